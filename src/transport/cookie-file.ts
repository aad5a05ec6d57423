import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Cookie, type CookieJar } from 'tough-cookie';

/**
 * Cookie files in the Netscape format that curl (`-b`, `-c`) and wget (`--load-cookies`,
 * `--save-cookies`) read and write: one cookie per line, seven TAB-separated fields
 *
 *     domain  include-subdomains  path  secure  expiry  name  value
 *
 * with TRUE/FALSE flags and the expiry in seconds since the epoch (0: a session cookie). A line
 * starting with `#HttpOnly_` is an HttpOnly cookie; other lines starting with `#`, and blank
 * lines, are comments.
 */

const HTTP_ONLY = '#HttpOnly_';

/**
 * The cookies of a Netscape cookie file that have not expired at `now` (ms). A line that is not
 * a cookie is skipped, as curl skips it. Pure but for `now`.
 */
export function parseCookieFile(text: string, now: number): Cookie[] {
  const cookies: Cookie[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw;
    const httpOnly = line.startsWith(HTTP_ONLY);
    if (httpOnly) line = line.slice(HTTP_ONLY.length);
    else if (line.startsWith('#') || line.trim() === '') continue;
    const f = line.split('\t');
    if (f.length < 7) continue;
    const [domainField, sub, path, secure, expiry, key] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // A value may itself hold a TAB: it is the rest of the line.
    const value = f.slice(6).join('\t');
    const seconds = Number(expiry);
    const domain = domainField.replace(/^\./, '').toLowerCase();
    if (domain === '' || !path.startsWith('/') || !Number.isFinite(seconds)) continue;
    if (seconds > 0 && seconds * 1000 <= now) continue;
    cookies.push(
      new Cookie({
        key,
        value,
        domain,
        path,
        secure: secure.toUpperCase() === 'TRUE',
        httpOnly,
        hostOnly: sub.toUpperCase() !== 'TRUE',
        expires: seconds > 0 ? new Date(seconds * 1000) : 'Infinity',
      }),
    );
  }
  return cookies;
}

/** When `cookie` expires, in ms since the epoch; Infinity for a session cookie. */
function expiryOf(cookie: Cookie): number {
  const t = cookie.expiryTime(cookie.creation instanceof Date ? cookie.creation : undefined);
  return t === undefined ? Infinity : t;
}

/**
 * The Netscape cookie file of `cookies`: those not expired at `now` (ms), session cookies too
 * (with expiry 0, as curl writes them). Pure but for `now`.
 */
export function formatCookieFile(cookies: readonly Cookie[], now: number): string {
  const lines = [
    '# Netscape HTTP Cookie File',
    '# Written by parafetch: curl -b, wget --load-cookies and parafetch --load-cookies read it.',
    '',
  ];
  for (const c of cookies) {
    const expiry = expiryOf(c);
    if (expiry <= now || c.domain === null) continue;
    const sub = c.hostOnly === false;
    lines.push(
      [
        `${c.httpOnly ? HTTP_ONLY : ''}${sub ? '.' : ''}${c.domain}`,
        sub ? 'TRUE' : 'FALSE',
        c.path ?? '/',
        c.secure ? 'TRUE' : 'FALSE',
        Number.isFinite(expiry) ? String(Math.floor(expiry / 1000)) : '0',
        c.key,
        c.value,
      ].join('\t'),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Adds the cookies of the Netscape cookie file `file` to `jar`; rejects when it cannot be read. */
export async function loadCookieFile(jar: CookieJar, file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  for (const cookie of parseCookieFile(text, Date.now())) await jar.store.putCookie(cookie);
}

/**
 * Writes every cookie of `jar` to `file` in the Netscape format, replacing it whole: the text
 * goes to a file beside it first, renamed over it once written. Rejects when it cannot.
 */
export async function saveCookieFile(jar: CookieJar, file: string): Promise<void> {
  const cookies = await jar.store.getAllCookies();
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, formatCookieFile(cookies, Date.now()), { mode: 0o600 });
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
