import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nameFromContentDisposition, nameFromUrl } from '../../src/download/naming.js';

/** What every derived name must satisfy, whatever the input. */
function assertSafeName(name: string) {
  assert.notEqual(name, '');
  assert.notEqual(name, '.');
  assert.notEqual(name, '..');
  assert.ok(!name.includes('/'), `contains '/': ${JSON.stringify(name)}`);
  assert.ok(!name.includes('\\'), `contains '\\': ${JSON.stringify(name)}`);
  assert.ok(!name.includes('\0'), `contains NUL: ${JSON.stringify(name)}`);
  assert.ok(Buffer.byteLength(name) <= 255);
}

describe('nameFromUrl', () => {
  const cases: Array<{ name: string; url: string; expected: string }> = [
    {
      name: 'last path segment',
      url: 'https://example.com/files/archive.tar.gz',
      expected: 'archive.tar.gz',
    },
    { name: 'query string ignored', url: 'https://example.com/a.zip?token=x/y&next=../z', expected: 'a.zip' },
    { name: 'fragment ignored', url: 'https://example.com/a.zip#part/2', expected: 'a.zip' },
    {
      name: 'percent-decoded',
      url: 'https://example.com/r%C3%A9sum%C3%A9%20final.pdf',
      expected: 'résumé final.pdf',
    },
    { name: 'trailing slash → index.html, as wget', url: 'https://example.com/dir/', expected: 'index.html' },
    { name: 'no path → index.html', url: 'https://example.com', expected: 'index.html' },
    { name: 'root with a port → index.html', url: 'http://example.com:8080/', expected: 'index.html' },
    { name: 'host ".." → index.html', url: 'http://../', expected: 'index.html' },
    {
      name: 'encoded dot-dot segment (%2e%2e)',
      url: 'https://example.com/a/%2e%2e',
      expected: 'index.html',
    },
    { name: 'encoded dot-dot segment (%2E.)', url: 'https://example.com/a/%2E.', expected: 'index.html' },
    { name: 'only dots', url: 'https://example.com/x/...', expected: 'index.html' },
    {
      name: 'encoded slashes: ..%2F..%2Fetc%2Fpasswd',
      url: 'https://example.com/..%2F..%2Fetc%2Fpasswd',
      expected: '_.._etc_passwd',
    },
    {
      name: 'fully encoded traversal %2e%2e%2f',
      url: 'https://example.com/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      expected: '_.._etc_passwd',
    },
    { name: 'encoded backslashes', url: 'https://example.com/..%5C..%5Cwin.ini', expected: '_.._win.ini' },
    { name: 'encoded lone slash', url: 'https://example.com/%2F', expected: '_' },
    { name: 'encoded NUL', url: 'https://example.com/a%00b.txt', expected: 'a_b.txt' },
    { name: 'leading dot dropped', url: 'https://example.com/.env', expected: 'env' },
    {
      name: 'malformed escape kept raw',
      url: 'https://example.com/bad%E0%A4%A.bin',
      expected: 'bad%E0%A4%A.bin',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const name = nameFromUrl(new URL(c.url));
      assert.equal(name, c.expected);
      assertSafeName(name);
    });
  }
});

describe('nameFromContentDisposition', () => {
  const cases: Array<{ name: string; header: string | undefined; expected: string | undefined }> = [
    { name: 'plain token', header: 'attachment; filename=report.pdf', expected: 'report.pdf' },
    {
      name: 'quoted with a space',
      header: 'attachment; filename="quarterly report.pdf"',
      expected: 'quarterly report.pdf',
    },
    {
      name: 'quoted with escaped quotes',
      header: 'attachment; filename="a \\"quoted\\" name.txt"',
      expected: 'a "quoted" name.txt',
    },
    { name: 'quoted with a semicolon', header: 'attachment; filename="a;b.txt"', expected: 'a;b.txt' },
    {
      name: 'token followed by another parameter',
      header: 'attachment; filename=report.pdf ; size=10',
      expected: 'report.pdf',
    },
    { name: 'no space after semicolon', header: 'attachment;filename=x.bin', expected: 'x.bin' },
    { name: 'case-insensitive parameter name', header: 'ATTACHMENT; FILENAME=UP.TXT', expected: 'UP.TXT' },
    { name: 'inline disposition', header: 'inline; filename="page.html"', expected: 'page.html' },
    {
      name: 'filename* UTF-8',
      header: "attachment; filename*=UTF-8''%E2%82%AC%20rates.txt",
      expected: '€ rates.txt',
    },
    {
      name: 'filename* wins over a filename before it',
      header: 'attachment; filename="fallback.txt"; filename*=UTF-8\'\'%E2%82%AC.txt',
      expected: '€.txt',
    },
    {
      name: 'filename* wins over a filename after it',
      header: 'attachment; filename*=UTF-8\'\'%E2%82%AC.txt; filename="fallback.txt"',
      expected: '€.txt',
    },
    {
      name: 'filename* with a language tag, lower-case charset',
      header: "attachment; filename*=utf-8'en'na%C3%AFve.txt",
      expected: 'naïve.txt',
    },
    {
      name: 'filename* ISO-8859-1',
      header: "attachment; filename*=ISO-8859-1''%A3%20rates.txt",
      expected: '£ rates.txt',
    },
    {
      name: 'undecodable filename* falls back to filename',
      header: 'attachment; filename*=UTF-8\'\'%E0%A4%A; filename="plain.txt"',
      expected: 'plain.txt',
    },
    {
      name: 'filename* without charset quotes falls back to filename',
      header: 'attachment; filename*=broken.txt; filename=plain.txt',
      expected: 'plain.txt',
    },
    {
      name: 'unix traversal keeps the last component',
      header: 'attachment; filename="../../etc/passwd"',
      expected: 'passwd',
    },
    { name: 'windows traversal, token', header: 'attachment; filename=..\\..\\x', expected: 'x' },
    {
      name: 'windows traversal, quoted escaped backslashes',
      header: 'attachment; filename="..\\\\..\\\\x"',
      expected: 'x',
    },
    { name: 'absolute unix path', header: 'attachment; filename="/etc/passwd"', expected: 'passwd' },
    {
      name: 'windows drive path',
      header: 'attachment; filename="C:\\\\Windows\\\\evil.exe"',
      expected: 'evil.exe',
    },
    {
      name: 'traversal in filename*',
      header: "attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd",
      expected: 'passwd',
    },
    { name: 'control characters replaced', header: 'attachment; filename="a\tb.txt"', expected: 'a_b.txt' },
    {
      name: 'a longer parameter name is not filename',
      header: 'attachment; xfilename=evil.txt',
      expected: undefined,
    },
    { name: 'dot-dot only', header: 'attachment; filename=".."', expected: undefined },
    { name: 'trailing slash leaves nothing', header: 'attachment; filename="dir/"', expected: undefined },
    { name: 'empty token', header: 'attachment; filename=', expected: undefined },
    { name: 'empty quoted', header: 'attachment; filename=""', expected: undefined },
    { name: 'no filename parameter', header: 'attachment', expected: undefined },
    { name: 'empty header', header: '', expected: undefined },
    { name: 'missing header', header: undefined, expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const name = nameFromContentDisposition(c.header);
      assert.equal(name, c.expected);
      if (name !== undefined) assertSafeName(name);
    });
  }
});
