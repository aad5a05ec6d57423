import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeSha256 } from '../../src/download/rules.js';
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
