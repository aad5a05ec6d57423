import { Cookie, CookieJar } from 'tough-cookie';

/**
 * The run's cookies as its requests see them: one jar for the run, scoped by domain, path,
 * `Secure` and expiry as browsers scope them. In the thread that holds the jar it is the jar
 * itself (JarCookies); a worker thread asks that thread, and waits for each answer, so a cookie
 * stored by one request is sent by every request that starts after it, whatever its thread.
 */
export interface CookieStore {
  /** The `Cookie` header for a request to `url` ('' when no cookie matches). */
  cookieHeader(url: URL): Promise<string>;
  /** Stores the `Set-Cookie` headers of a response from `url`; resolves once they are stored. */
  received(url: URL, setCookie: readonly string[]): Promise<void>;
}

/**
 * A Set-Cookie header as a cookie, its `Max-Age` turned into an absolute `Expires` at receipt
 * (as curl keeps it), so that its lifetime does not depend on when it was last sent and a saved
 * cookie file holds its true expiry. Undefined when it does not parse. Pure but for `now`.
 */
export function parseSetCookie(header: string, now: number): Cookie | undefined {
  const cookie = Cookie.parse(header);
  if (!cookie) return undefined;
  if (typeof cookie.maxAge === 'number' || cookie.maxAge === '-Infinity') {
    const seconds = typeof cookie.maxAge === 'number' ? cookie.maxAge : -Infinity;
    cookie.expires = new Date(seconds > 0 ? now + seconds * 1000 : 0);
    cookie.maxAge = null;
  } else if (cookie.maxAge === 'Infinity') {
    cookie.maxAge = null;
    cookie.expires = 'Infinity';
  }
  return cookie;
}

/** A CookieStore on a tough-cookie jar (in memory unless the jar says otherwise). */
export class JarCookies implements CookieStore {
  readonly jar: CookieJar;

  constructor(jar: CookieJar = new CookieJar()) {
    this.jar = jar;
  }

  cookieHeader(url: URL): Promise<string> {
    return this.jar.getCookieString(url.href);
  }

  async received(url: URL, setCookie: readonly string[]): Promise<void> {
    const now = Date.now();
    for (const header of setCookie) {
      const cookie = parseSetCookie(header, now);
      // A cookie the jar refuses (another domain, a public suffix) is dropped, as browsers drop it.
      if (cookie) await this.jar.setCookie(cookie, url.href, { ignoreError: true });
    }
  }
}
