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
    { warning: '<stdin>:17: unknown keys ignored: "size", "out"' },
    { line: 17, item: { url: 'http://a/17' } },
    { line: 19, item: { url: 'http://a/19' } },
  ];
  assert.deepEqual(await readBrief('jsonl', lines.join('\n')), expected);
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('parsed');
}
