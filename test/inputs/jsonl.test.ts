import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBrief, SHA, type Brief } from './support.js';

test('JSON Lines: one object per line; bad JSON and wrong types name their line', async () => {
  const lines = [
    JSON.stringify({ url: 'http://a/1' }),
    '',
    JSON.stringify({
      url: 'http://a/2',
      path: 'sub/2.bin',
      sha256: SHA.toUpperCase(),
      headers: { Cookie: 'a=b' },
      mirrors: ['https://m/2'],
    }),
    JSON.stringify({ url: 'http://a/3', path: null, sha256: null, headers: null, mirrors: null }),
    '{"url": "http://a/4",',
    '[1, 2]',
    'null',
    JSON.stringify({ path: 'x' }),
    JSON.stringify({ url: 5 }),
    JSON.stringify({ url: 'http://a/10', path: 3 }),
    JSON.stringify({ url: 'http://a/11', sha256: 'nothex' }),
    JSON.stringify({ url: 'http://a/12', headers: { A: 1 } }),
    JSON.stringify({ url: 'http://a/13', headers: ['A: 1'] }),
    JSON.stringify({ url: 'http://a/14', mirrors: 'https://m/14' }),
    JSON.stringify({ url: 'http://a/15', mirrors: ['ftp://m/15'] }),
    JSON.stringify({ url: 'http://a/16', path: '' }),
    JSON.stringify({ url: 'http://a/17', size: 10, out: 'x' }),
    '   ',
    JSON.stringify({ url: 'http://a/19' }),
  ];
  const expected: Brief[] = [
    { line: 1, item: { url: 'http://a/1' } },
    {
      line: 3,
      item: {
        url: 'http://a/2',
        mirrors: ['https://m/2'],
        path: 'sub/2.bin',
        sha256: SHA,
        headers: { Cookie: 'a=b' },
      },
    },
    { line: 4, item: { url: 'http://a/3' } },
    { error: `<stdin>:5: invalid JSON: ${jsonError('{"url": "http://a/4",')}` },
    { error: '<stdin>:6: expected a JSON object, got `[1,2]` (array)' },
    { error: '<stdin>:7: expected a JSON object, got `null`' },
    { error: '<stdin>:8: `url` must be a string, got `undefined` (undefined)' },
    { error: '<stdin>:9: `url` must be a string, got `5` (number)' },
    { error: '<stdin>:10: `path` must be a string, got `3` (number)' },
    { error: '<stdin>:11: sha256 must be 64 hex digits, got "nothex"' },
    { error: '<stdin>:12: `headers` must be an object of strings, got `{"A":1}` (object)' },
    { error: '<stdin>:13: `headers` must be an object of strings, got `["A: 1"]` (array)' },
    { error: '<stdin>:14: `mirrors` must be an array of strings, got `"https://m/14"` (string)' },
    { error: '<stdin>:15: unsupported URL scheme "ftp:" in "ftp://m/15": only http and https' },
    { error: '<stdin>:16: empty path' },
    { line: 17, item: { url: 'http://a/17', fields: { size: 10, out: 'x' } } },
    { line: 19, item: { url: 'http://a/19' } },
  ];
  assert.deepEqual(await readBrief('jsonl', lines.join('\n')), expected);
});

test('JSON Lines: `key` names the item; the other properties are its fields, nested values as JSON text', async () => {
  const lines = [
    JSON.stringify({
      url: 'http://a/1',
      key: 'shard/000001',
      caption: 'a cat',
      width: 640,
      nsfw: false,
      tag: null,
    }),
    JSON.stringify({ url: 'http://a/2', key: 2, meta: { w: 1, tags: ['a', 'b'] }, list: [1, 'x'] }),
    JSON.stringify({ url: 'http://a/3', key: null, caption: '' }),
    JSON.stringify({ url: 'http://a/4', key: '' }),
    JSON.stringify({ url: 'http://a/5', key: 'a.jpg' }),
    JSON.stringify({ url: 'http://a/6', key: '../up' }),
    JSON.stringify({ url: 'http://a/7', key: 'trailing/' }),
    JSON.stringify({ url: 'http://a/8', key: 'bell\u0007' }),
    JSON.stringify({ url: 'http://a/9', key: 1.5 }),
    JSON.stringify({ url: 'http://a/10', key: true }),
    JSON.stringify({ url: 'http://a/11', key: 2 ** 60 }),
    '{"url": "http://a/12", "__proto__": "p", "key": -12}',
    JSON.stringify({ url: 'http://a/13', key: 'ok/13', sha256: 'nothex' }),
  ];
  assert.deepEqual(await readBrief('jsonl', lines.join('\n')), [
    {
      line: 1,
      item: {
        url: 'http://a/1',
        key: 'shard/000001',
        fields: { caption: 'a cat', width: 640, nsfw: false, tag: null },
      },
    },
    {
      line: 2,
      item: { url: 'http://a/2', key: '2', fields: { meta: '{"w":1,"tags":["a","b"]}', list: '[1,"x"]' } },
    },
    { line: 3, item: { url: 'http://a/3', fields: { caption: '' } } },
    { error: '<stdin>:4: invalid key "": it is empty' },
    {
      error:
        '<stdin>:5: invalid key "a.jpg": it holds a "." (a WebDataset member name is split at its first dot)',
    },
    {
      error:
        '<stdin>:6: invalid key "../up": it holds a "." (a WebDataset member name is split at its first dot)',
    },
    { error: '<stdin>:7: invalid key "trailing/": it has an empty "/"-separated component' },
    { error: '<stdin>:8: invalid key "bell\\u0007": it holds an unprintable character' },
    { error: '<stdin>:9: `key` must be a string or an integer, got `1.5` (number)' },
    { error: '<stdin>:10: `key` must be a string or an integer, got `true` (boolean)' },
    { error: `<stdin>:11: \`key\` must be a string or an integer, got \`${2 ** 60}\` (number)` },
    { line: 12, item: { url: 'http://a/12', key: '-12', fields: JSON.parse('{"__proto__":"p"}') as object } },
    { error: '<stdin>:13: sha256 must be 64 hex digits, got "nothex"' },
  ]);
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('parsed');
}
