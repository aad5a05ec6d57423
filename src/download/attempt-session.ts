import type { CookieStore } from '../transport/cookies.js';
import {
  basicAuthorization,
  urlCredentials,
  withoutCredentials,
  type Credentials,
} from '../transport/credentials.js';
import { netrcCredentials, type NetrcEntry } from '../transport/netrc.js';
import type { Session } from '../transport/session.js';

/** What a job reads of the run's options to authenticate. */
export interface AuthOptions {
  /** Credentials for the origin of every item URL that carries none (`--user`). */
  auth: Credentials | undefined;
  /** The entries of a netrc file, for an item URL's origin that has no other credentials. */
  netrc: readonly NetrcEntry[] | undefined;
}

/**
 * The credentials for an item's URL, from the most particular source to the least: the URL's
 * own (`http://user:pass@host/`; a URL that names only its user takes that user's password from
 * the netrc entries, when there is one), then `auth`, then the netrc entry of its host. Pure.
 */
export function credentialsFor(url: URL, options: AuthOptions): Credentials | undefined {
  const own = urlCredentials(url);
  const netrc = options.netrc;
  if (own && own.password === '' && url.password === '' && netrc) {
    const entry = netrcCredentials(netrc, url.hostname, own.username);
    if (entry) return entry;
  }
  return own ?? options.auth ?? (netrc && netrcCredentials(netrc, url.hostname));
}

/**
 * The URL one attempt requests (its credentials taken out: they go in a header, and no message
 * made from the URL shows them) and the session of its requests: the credentials for that
 * URL's origin, sent as Basic authentication to that origin only, and the run's cookies. Pure.
 */
export function attemptSession(
  url: URL,
  options: AuthOptions,
  cookies: CookieStore | undefined,
): { url: URL; session: Session | undefined } {
  const credentials = credentialsFor(url, options);
  const bare = withoutCredentials(url);
  if (!credentials && !cookies) return { url: bare, session: undefined };
  return {
    url: bare,
    session: {
      auth: credentials && { origin: url.origin, authorization: basicAuthorization(credentials) },
      cookies,
    },
  };
}
