import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DownloadItem } from '../../src/download/item.js';
import { checkItemFields, keyProblem, normalizeSha256 } from '../../src/download/rules.js';
import { InvalidOptionError } from '../../src/errors/index.js';
import { checkItem, headerProblem, urlProblem, type ItemFields } from '../../src/inputs/validate.js';
import { SHA } from './support.js';

test('urlProblem: http and https URLs that parse, nothing else', () => {
  const cases: [string, string | undefined][] = [
    ['http://example.com/a', undefined],
    ['https://example.com:8443/a?b=c#d', undefined],
    ['HTTP://EXAMPLE.COM/', undefined],
    ['http://[::1]:8080/', undefined],
    ['', 'empty URL'],
    ['example.com/a', 'invalid URL "example.com/a"'],
    ['http://', 'invalid URL "http://"'],
    ['ftp://example.com/a', 'unsupported URL scheme "ftp:" in "ftp://example.com/a": only http and https'],
    ['file:///etc/passwd', 'unsupported URL scheme "file:" in "file:///etc/passwd": only http and https'],
    [
      'javascript:alert(1)',
      'unsupported URL scheme "javascript:" in "javascript:alert(1)": only http and https',
    ],
    [`x${'y'.repeat(200)}`, `invalid URL "x${'y'.repeat(116)}..."`],
  ];
  for (const [url, problem] of cases) assert.equal(urlProblem(url), problem, url);
});

test('normalizeSha256: 64 hex digits, lowercased', () => {
  const cases: [string, string | undefined][] = [
    [SHA, SHA],
    [SHA.toUpperCase(), SHA],
    [SHA.slice(1), undefined],
    [`${SHA}0`, undefined],
    [`${SHA.slice(1)}g`, undefined],
    ['', undefined],
  ];
  for (const [value, normal] of cases) assert.equal(normalizeSha256(value), normal, value);
});

test('headerProblem: token names, values without line breaks', () => {
  const cases: [string, string, string | undefined][] = [
    ['Authorization', 'Bearer x', undefined],
    ['X-Custom_1', '', undefined],
    ['Bad Name', 'x', 'invalid header name "Bad Name"'],
    ['', 'x', 'invalid header name ""'],
    ['X-A', 'a\r\nInjected: 1', 'header X-A has a line break or NUL in its value'],
    ['X-A', 'a\u0000b', 'header X-A has a line break or NUL in its value'],
  ];
  for (const [name, value, problem] of cases) assert.equal(headerProblem(name, value), problem, name);
});

test('checkItem: builds items holding only the set fields, or says why not', () => {
  const cases: [ItemFields, ReturnType<typeof checkItem>][] = [
    [{ url: ' http://a/x ' }, { ok: true, item: { url: 'http://a/x' } }],
    [
      {
        url: 'http://a/x',
        mirrors: [' https://b/x'],
        path: 'p/x',
        sha256: SHA.toUpperCase(),
        headers: { A: '1' },
      },
      {
        ok: true,
        item: { url: 'http://a/x', mirrors: ['https://b/x'], path: 'p/x', sha256: SHA, headers: { A: '1' } },
      },
    ],
    [
      { url: 'http://a/x', mirrors: [], headers: {} },
      { ok: true, item: { url: 'http://a/x' } },
    ],
    [
      { url: 'http://a/x', mirrors: ['ftp://b/x'] },
      { ok: false, reason: 'unsupported URL scheme "ftp:" in "ftp://b/x": only http and https' },
    ],
    [
      { url: 'http://a/x', path: '' },
      { ok: false, reason: 'empty path' },
    ],
    [
      { url: 'http://a/x', sha256: 'abc' },
      { ok: false, reason: 'sha256 must be 64 hex digits, got "abc"' },
    ],
    [
      { url: 'http://a/x', headers: { 'a b': '1' } },
      { ok: false, reason: 'invalid header name "a b"' },
    ],
    [
      { url: 'http://a/x', key: 'k/1', fields: { a: '', n: 1, b: false, z: null } },
      { ok: true, item: { url: 'http://a/x', key: 'k/1', fields: { a: '', n: 1, b: false, z: null } } },
    ],
    [
      { url: 'http://a/x', fields: {} },
      { ok: true, item: { url: 'http://a/x' } },
    ],
    [
      { url: 'http://a/x', key: 'k.1' },
      {
        ok: false,
        reason: 'invalid key "k.1": it holds a "." (a WebDataset member name is split at its first dot)',
      },
    ],
  ];
  for (const [fields, expected] of cases)
    assert.deepEqual(checkItem(fields), expected, JSON.stringify(fields));
});

test('checkItem keeps a header named __proto__ as an own header', () => {
  const checked = checkItem({
    url: 'http://a/',
    headers: JSON.parse('{"__proto__":"x"}') as Record<string, string>,
  });
  assert.ok(checked.ok);
  assert.deepEqual(Object.keys(checked.item.headers ?? {}), ['__proto__']);
  assert.equal(Object.getPrototypeOf(checked.item.headers), Object.prototype);
});

test('keyProblem: what can name the members of a WebDataset sample', () => {
  const dot = 'holds a "." (a WebDataset member name is split at its first dot)';
  const cases: [unknown, string | undefined][] = [
    ['000001', undefined],
    ['shard/sub/000001', undefined],
    ['a b-c_d~e', undefined],
    ['ключ/名前', undefined],
    ['k'.repeat(200), undefined],
    ['\u{1F600}', undefined],
    ['', 'is empty'],
    ['k'.repeat(201), 'is longer than 200 characters'],
    [5, 'is not a string'],
    [undefined, 'is not a string'],
    ['a.b', dot],
    ['.hidden', dot],
    ['a/../b', dot],
    ['..', dot],
    ['a\\b', 'holds a "\\"'],
    ['/abs', 'starts with "/"'],
    ['a//b', 'has an empty "/"-separated component'],
    ['a/', 'has an empty "/"-separated component'],
    ['/', 'starts with "/"'],
    ['line\nbreak', 'holds an unprintable character'],
    ['nul\u0000', 'holds an unprintable character'],
    ['esc\u001b[31m', 'holds an unprintable character'],
    ['c1\u009b', 'holds an unprintable character'],
    ['bidi\u202e', 'holds an unprintable character'],
    ['lone\ud800', 'holds an unprintable character'],
    ['\udc00lone', 'holds an unprintable character'],
  ];
  for (const [key, problem] of cases) assert.equal(keyProblem(key), problem, JSON.stringify(key));
});

test('checkItemFields: a library item with a bad key or fields fails as INVALID_OPTION naming the field', () => {
  const ok: DownloadItem[] = [
    { url: 'http://a/' },
    { url: 'http://a/', key: 'k/1', fields: { a: 'x', n: -1.5, b: true, z: null } },
    { url: 'http://a/', fields: Object.assign(Object.create(null) as Record<string, string>, { a: 'x' }) },
    { url: 'http://a/', fields: JSON.parse('{"__proto__":"p"}') as Record<string, string> },
  ];
  for (const item of ok) assert.doesNotThrow(() => checkItemFields(item), JSON.stringify(item));
  const bad: [unknown, string][] = [
    [
      { key: 'a.b' },
      'Expected `item.key` to be a string of 1 to 200 printable characters without "." or "\\", whose "/"-separated components are not empty (it holds a "." (a WebDataset member name is split at its first dot)), got `"a.b"` (string)',
    ],
    [
      { key: 7 },
      'Expected `item.key` to be a string of 1 to 200 printable characters without "." or "\\", whose "/"-separated components are not empty (it is not a string), got `7` (number)',
    ],
    [
      { key: '' },
      'Expected `item.key` to be a string of 1 to 200 printable characters without "." or "\\", whose "/"-separated components are not empty (it is empty), got `""` (string)',
    ],
    [
      { fields: ['a'] },
      'Expected `item.fields` to be a plain object of strings, finite numbers, booleans and nulls, got `["a"]` (array)',
    ],
    [
      { fields: 'a' },
      'Expected `item.fields` to be a plain object of strings, finite numbers, booleans and nulls, got `"a"` (string)',
    ],
    [
      { fields: new Map() },
      'Expected `item.fields` to be a plain object of strings, finite numbers, booleans and nulls, got `{}` (object)',
    ],
    [
      { fields: { meta: { w: 1 } } },
      'Expected `item.fields.meta` to be a string, finite number, boolean or null, got `{"w":1}` (object)',
    ],
    [
      { fields: { n: Number.NaN } },
      'Expected `item.fields.n` to be a string, finite number, boolean or null, got `NaN` (number)',
    ],
    [
      { fields: { n: 1n } },
      'Expected `item.fields.n` to be a string, finite number, boolean or null, got `1` (bigint)',
    ],
    [
      { fields: { u: undefined } },
      'Expected `item.fields.u` to be a string, finite number, boolean or null, got `undefined` (undefined)',
    ],
  ];
  for (const [extra, message] of bad) {
    const item = { url: 'http://a/', ...(extra as object) } as DownloadItem;
    assert.throws(
      () => checkItemFields(item),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.code, 'INVALID_OPTION');
        assert.equal(err.message, message);
        return true;
      },
      message,
    );
  }
});
