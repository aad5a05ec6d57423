import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CookieJar } from 'tough-cookie';
import { DiskError, InvalidOptionError, type ParafetchError } from '../errors/index.js';
import { HEADER_VALUE_FORBIDDEN } from '../download/rules.js';
import { parseCookieFile, saveCookieFile } from '../transport/cookie-file.js';
import type { Credentials } from '../transport/credentials.js';
import { parseNetrc, type NetrcEntry } from '../transport/netrc.js';
import { plainObject } from './option-checks.js';

export interface CookieOptions {
  /** A Netscape cookie file (as curl `-b` and wget `--load-cookies` read) whose cookies the run starts with. */
  load?: string;
  /** Where the run's cookies are written at its end, in the Netscape format, session cookies too (as curl `-c` does). */
  save?: string;
  /** The jar to use (a tough-cookie 6 `CookieJar`), e.g. to see the cookies after the run; default: a new one. */
  jar?: CookieJar;
}

export interface NormalizedCookies {
  /**
   * The run's jar, with the loaded cookies. Only the thread that runs the download holds it: a
   * worker thread is given none, and asks that thread for the cookies of each request.
   */
  jar: CookieJar | undefined;
  /** The absolute path the jar is saved to at the end, if any. */
  save: string | undefined;
}

export interface NormalizedAuth {
  auth: Credentials | undefined;
  netrc: NetrcEntry[] | undefined;
  cookies: NormalizedCookies | undefined;
}

/** Basic credentials; a bad value is named without its password. */
function credentials(value: unknown): Credentials | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError('auth', 'an object { username, password }', '(hidden)');
  }
  const c = plainObject('auth', value, ['username', 'password']);
  const ok = (v: unknown) => typeof v === 'string' && !HEADER_VALUE_FORBIDDEN.test(v);
  if (!ok(c.username) || !ok(c.password) || (c.username as string).includes(':')) {
    const shown = typeof c.username === 'string' ? { username: c.username, password: '***' } : '(hidden)';
    throw new InvalidOptionError(
      'auth',
      '{ username, password }: strings without line breaks or NUL, and no `:` in the user name',
      shown,
    );
  }
  return { username: c.username as string, password: c.password as string };
}

/**
 * The entries of the netrc file `setting` names: `true` for `~/.netrc` (none when it does not
 * exist, as curl reads it), or a path, which must be readable.
 */
function netrc(setting: unknown, home: string): NetrcEntry[] | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting !== true && (typeof setting !== 'string' || setting === '')) {
    throw new InvalidOptionError('netrc', 'true (for ~/.netrc) or the path of a netrc file', setting);
  }
  const file = setting === true ? path.join(home, '.netrc') : path.resolve(setting);
  try {
    return parseNetrc(readFileSync(file, 'utf8'));
  } catch (err) {
    if (setting === true && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    const e = new InvalidOptionError('netrc', 'a readable netrc file', file);
    e.message = `Cannot read the netrc file ${file}: ${(err as Error).message}`;
    throw e;
  }
}

function isJar(value: unknown): value is CookieJar {
  const j = value as Partial<CookieJar> | null;
  return (
    typeof j === 'object' &&
    j !== null &&
    typeof j.getCookieString === 'function' &&
    typeof j.setCookie === 'function' &&
    typeof j.store === 'object'
  );
}

/** The run's jar: the one given, or a new one, with the cookies of the file to load. */
function cookies(value: unknown): NormalizedCookies | undefined {
  if (value === undefined) return undefined;
  const c = plainObject('cookies', value, ['load', 'save', 'jar']);
  for (const key of ['load', 'save'] as const) {
    if (c[key] !== undefined && (typeof c[key] !== 'string' || c[key] === '')) {
      throw new InvalidOptionError(`cookies.${key}`, 'the path of a cookie file', c[key]);
    }
  }
  if (c.jar !== undefined && !isJar(c.jar)) {
    throw new InvalidOptionError('cookies.jar', 'a tough-cookie CookieJar', '(another object)');
  }
  const jar = (c.jar as CookieJar | undefined) ?? new CookieJar();
  if (typeof c.load === 'string') {
    if (!jar.store.synchronous) {
      throw new InvalidOptionError(
        'cookies.jar',
        'a CookieJar whose store is synchronous, with `load`',
        '(an asynchronous store)',
      );
    }
    const file = path.resolve(c.load);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const e = new InvalidOptionError('cookies.load', 'a readable cookie file', file);
      e.message = `Cannot read the cookie file ${file}: ${(err as Error).message}`;
      throw e;
    }
    // A synchronous store holds each cookie once putCookie returns.
    for (const cookie of parseCookieFile(text, Date.now())) void jar.store.putCookie(cookie);
  }
  return { jar, save: typeof c.save === 'string' ? path.resolve(c.save) : undefined };
}

/** Validates `auth`, `netrc` and `cookies`, reading the netrc and cookie files once, here. */
export function normalizeAuth(o: Record<string, unknown>, home = os.homedir()): NormalizedAuth {
  return { auth: credentials(o.auth), netrc: netrc(o.netrc, home), cookies: cookies(o.cookies) };
}

/** Writes the run's cookies to the file `cookies.save` names, if it does; the error when it cannot. */
export async function saveRunCookies(
  cookies: NormalizedCookies | undefined,
): Promise<ParafetchError | undefined> {
  if (!cookies?.jar || cookies.save === undefined) return undefined;
  try {
    await saveCookieFile(cookies.jar, cookies.save);
    return undefined;
  } catch (err) {
    return new DiskError(`cannot write the cookie file ${cookies.save}: ${(err as Error).message}`, err);
  }
}
