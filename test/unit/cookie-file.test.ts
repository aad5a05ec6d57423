import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieJar } from 'tough-cookie';
import { formatCookieFile, parseCookieFile } from '../../src/transport/cookie-file.js';
import { JarCookies, parseSetCookie } from '../../src/transport/cookies.js';

const NOW = Date.now();
const LATER = Math.floor(NOW / 1000) + 3600;
const EARLIER = Math.floor(NOW / 1000) - 3600;

const FILE = [
  '# Netscape HTTP Cookie File',
  '# https://curl.se/docs/http-cookies.html',
  '',
  `.example.com\tTRUE\t/\tFALSE\t${LATER}\tsub\t1`,
  `host.example.com\tFALSE\t/\tFALSE\t0\tsession\t2`,
  `#HttpOnly_host.example.com\tFALSE\t/app\tFALSE\t${LATER}\thttponly\t3`,
  `host.example.com\tFALSE\t/\tTRUE\t${LATER}\tsecure\t4`,
  `host.example.com\tFALSE\t/\tFALSE\t${EARLIER}\texpired\t5`,
  `other.example\tFALSE\t/\tFALSE\t${LATER}\tother\t6`,
  `host.example.com\tFALSE\t/\tFALSE\t${LATER}\ttabbed\ta\tb`,
  'not a cookie line',
].join('\n');

async function jarOf(text: string): Promise<CookieJar> {
  const jar = new CookieJar();
  for (const c of parseCookieFile(text, NOW)) await jar.store.putCookie(c);
  return jar;
}

test('a Netscape cookie file: only the cookies a request fits are sent (domain, path, secure, expiry)', async () => {
  const cookies = parseCookieFile(FILE, NOW);
  assert.deepEqual(
    cookies.map((c) => c.key),
    ['sub', 'session', 'httponly', 'secure', 'other', 'tabbed'],
    'the expired cookie and the comments are left out',
  );
  assert.equal(cookies.find((c) => c.key === 'httponly')?.httpOnly, true);
  assert.equal(cookies.find((c) => c.key === 'tabbed')?.value, 'a\tb');
  const jar = await jarOf(FILE);
  const sent = async (url: string) =>
    (await jar.getCookieString(url))
      .split('; ')
      .filter(Boolean)
      .map((c) => c.split('=')[0])
      .sort();
  assert.deepEqual(await sent('https://host.example.com/app/x'), [
    'httponly',
    'secure',
    'session',
    'sub',
    'tabbed',
  ]);
  assert.deepEqual(
    await sent('http://host.example.com/x'),
    ['session', 'sub', 'tabbed'],
    'Secure needs https, /app its path',
  );
  assert.deepEqual(
    await sent('http://deep.host.example.com/'),
    ['sub'],
    'host-only cookies stay on their host',
  );
  assert.deepEqual(await sent('http://example.com/'), ['sub']);
  assert.deepEqual(await sent('http://elsewhere.test/'), []);
});

test('a jar written back: the same cookies, session ones too, expired ones not', async () => {
  const jar = await jarOf(FILE);
  const written = formatCookieFile(await jar.store.getAllCookies(), NOW);
  assert.match(written, /^# Netscape HTTP Cookie File\n/);
  const lines = written.split('\n').filter((l) => l && (!l.startsWith('#') || l.startsWith('#HttpOnly_')));
  assert.deepEqual(
    lines.sort(),
    FILE.split('\n')
      .filter((l) => /\t/.test(l) && !l.includes('expired'))
      .sort(),
  );
  assert.equal(
    formatCookieFile(await jar.store.getAllCookies(), (LATER + 1) * 1000).includes('\tsub\t'),
    false,
  );
});

test('Set-Cookie: Max-Age becomes an absolute expiry at receipt', async () => {
  const c = parseSetCookie('a=1; Max-Age=60; Path=/', NOW)!;
  assert.equal(c.maxAge, null);
  assert.equal((c.expires as Date).getTime(), NOW + 60_000);
  assert.equal((parseSetCookie('a=1; Max-Age=0', NOW)!.expires as Date).getTime(), 0);
  assert.equal(parseSetCookie('', NOW), undefined);
  const store = new JarCookies();
  await store.received(new URL('http://h.test/dir/page'), [
    'a=1',
    'b=2; Domain=elsewhere.test',
    'c=3; Path=/other',
  ]);
  assert.equal(
    await store.cookieHeader(new URL('http://h.test/dir/x')),
    'a=1',
    'another domain is refused; /other is not this path',
  );
  assert.equal(await store.cookieHeader(new URL('http://h.test/other/x')), 'c=3');
});
