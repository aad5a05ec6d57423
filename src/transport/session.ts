import type { CookieStore } from './cookies.js';
import type { Headers } from './headers.js';

/**
 * What the requests of one download carry besides their headers: Basic credentials for the
 * origin of the item's URL, and the run's cookies. Each hop of a redirect and each range
 * request is given what fits its own URL: the credentials only on their origin (scheme, host
 * and port: a redirect to another port or host gets none, as curl sends `-u` to the first host
 * only), the cookies the jar scopes to that URL.
 */
export interface Session {
  auth?: { origin: string; authorization: string } | undefined;
  cookies?: CookieStore | undefined;
}

/** The headers of a request to `url`: `headers` and what `session` adds for that URL. */
export async function sessionHeaders(
  url: URL,
  headers: Record<string, string>,
  session: Session | undefined,
): Promise<Record<string, string>> {
  if (!session) return headers;
  const out = { ...headers };
  const { auth, cookies } = session;
  // A header given with the item or the run (`-H 'Authorization: ...'`) is the user's choice.
  if (auth && url.origin === auth.origin && out.authorization === undefined) {
    out.authorization = auth.authorization;
  }
  const jar = cookies ? await cookies.cookieHeader(url) : '';
  if (jar !== '') out.cookie = out.cookie === undefined ? jar : `${out.cookie}; ${jar}`;
  return out;
}

/** Stores the cookies a response from `url` set; resolves once later requests will send them. */
export async function keepCookies(url: URL, headers: Headers, session: Session | undefined): Promise<void> {
  const cookies = session?.cookies;
  const set = headers['set-cookie'];
  if (!cookies || set === undefined) return;
  await cookies.received(url, typeof set === 'string' ? [set] : set);
}
