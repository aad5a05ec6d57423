import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidUrlError, UnsafeRedirectError } from '../../src/errors/index.js';
import { nextHop, parseHttpUrl } from '../../src/transport/redirects.js';

describe('parseHttpUrl', () => {
  const ok: Array<{ input: string; href: string }> = [
    { input: 'http://example.com/a', href: 'http://example.com/a' },
    { input: 'https://example.com:8443/a?b=c', href: 'https://example.com:8443/a?b=c' },
    { input: 'HTTP://EXAMPLE.com/A', href: 'http://example.com/A' },
    { input: 'https://user:pw@example.com/', href: 'https://user:pw@example.com/' },
  ];
  for (const c of ok) {
    test(`accepts ${c.input}`, () => {
      const url = parseHttpUrl(c.input);
      assert.ok(url instanceof URL);
      assert.equal(url.href, c.href);
    });
  }

  const bad: Array<{ input: string; reason: RegExp }> = [
    { input: 'ftp://example.com/a', reason: /scheme ftp: is not http or https/ },
    { input: 'file:///etc/passwd', reason: /scheme file:/ },
    { input: 'javascript:alert(1)', reason: /scheme javascript:/ },
    { input: 'data:text/plain,hi', reason: /scheme data:/ },
    { input: 'ws://example.com/', reason: /scheme ws:/ },
    { input: 'example.com/a', reason: /not a URL/ },
    { input: '/relative/path', reason: /not a URL/ },
    { input: 'http://', reason: /not a URL/ },
    { input: '', reason: /not a URL/ },
  ];
  for (const c of bad) {
    test(`rejects ${JSON.stringify(c.input)}`, () => {
      assert.throws(
        () => parseHttpUrl(c.input),
        (err: unknown) => {
          assert.ok(err instanceof InvalidUrlError, String(err));
          assert.equal(err.code, 'INVALID_URL');
          assert.match(err.message, c.reason);
          assert.ok(err.message.includes(JSON.stringify(c.input)), err.message);
          return true;
        },
      );
    });
  }
});

describe('nextHop', () => {
  const FROM = 'https://example.com/dir/file';
  const HEADERS = {
    Authorization: 'Bearer t',
    cookie: 'session=1',
    'Proxy-Authorization': 'Basic x',
    range: 'bytes=100-',
    'if-range': '"etag"',
    'user-agent': 'parafetch/test',
  };
  const WITHOUT_CREDENTIALS = { range: 'bytes=100-', 'if-range': '"etag"', 'user-agent': 'parafetch/test' };

  const ok: Array<{
    name: string;
    from?: string;
    location: string;
    href: string;
    headers: Record<string, string>;
  }> = [
    {
      name: 'absolute path, same origin',
      location: '/other',
      href: 'https://example.com/other',
      headers: HEADERS,
    },
    {
      name: 'relative path',
      location: 'sibling.bin',
      href: 'https://example.com/dir/sibling.bin',
      headers: HEADERS,
    },
    {
      name: 'parent-relative path',
      location: '../up.bin',
      href: 'https://example.com/up.bin',
      headers: HEADERS,
    },
    { name: 'query only', location: '?v=2', href: 'https://example.com/dir/file?v=2', headers: HEADERS },
    {
      name: 'absolute URL, same origin',
      location: 'https://example.com/x',
      href: 'https://example.com/x',
      headers: HEADERS,
    },
    {
      name: 'explicit default port is the same origin',
      location: 'https://example.com:443/x',
      href: 'https://example.com/x',
      headers: HEADERS,
    },
    {
      name: 'other host drops credentials',
      location: 'https://cdn.example.net/f',
      href: 'https://cdn.example.net/f',
      headers: WITHOUT_CREDENTIALS,
    },
    {
      name: 'protocol-relative to another host drops credentials',
      location: '//cdn.example.net/f',
      href: 'https://cdn.example.net/f',
      headers: WITHOUT_CREDENTIALS,
    },
    {
      name: 'same host, other port drops credentials',
      location: 'https://example.com:8443/f',
      href: 'https://example.com:8443/f',
      headers: WITHOUT_CREDENTIALS,
    },
    {
      name: 'https → http on the same host is cross-origin',
      location: 'http://example.com/f',
      href: 'http://example.com/f',
      headers: WITHOUT_CREDENTIALS,
    },
    {
      name: 'http → https on the same host is cross-origin',
      from: 'http://example.com/a',
      location: 'https://example.com/f',
      href: 'https://example.com/f',
      headers: WITHOUT_CREDENTIALS,
    },
    {
      name: 'subdomain is cross-origin',
      location: 'https://sub.example.com/f',
      href: 'https://sub.example.com/f',
      headers: WITHOUT_CREDENTIALS,
    },
  ];
  for (const c of ok) {
    test(c.name, () => {
      const hop = nextHop(new URL(c.from ?? FROM), c.location, HEADERS);
      assert.equal(hop.url.href, c.href);
      assert.deepEqual(hop.headers, c.headers);
    });
  }

  test('the caller’s headers object is not modified', () => {
    const headers = { ...HEADERS };
    nextHop(new URL(FROM), 'https://other.example/', headers);
    assert.deepEqual(headers, HEADERS);
  });

  const bad: Array<{ name: string; location: string | undefined }> = [
    { name: 'missing Location', location: undefined },
    { name: 'empty Location', location: '' },
    { name: 'ftp', location: 'ftp://example.com/f' },
    { name: 'file', location: 'file:///etc/passwd' },
    { name: 'javascript', location: 'javascript:alert(1)' },
    { name: 'data', location: 'data:text/plain,hi' },
    { name: 'unparseable', location: 'http://[broken' },
  ];
  for (const c of bad) {
    test(`refuses ${c.name}`, () => {
      assert.throws(
        () => nextHop(new URL(FROM), c.location, HEADERS),
        (err: unknown) => {
          assert.ok(err instanceof UnsafeRedirectError, String(err));
          assert.equal(err.code, 'UNSAFE_REDIRECT');
          assert.ok(err.message.includes(FROM), err.message);
          return true;
        },
      );
    });
  }
});
