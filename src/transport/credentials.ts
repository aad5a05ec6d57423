/** A user name and password, as Basic authentication sends them. */
export interface Credentials {
  username: string;
  password: string;
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The credentials a URL carries (`http://user:pass@host/`), decoded; undefined when none. Pure. */
export function urlCredentials(url: URL): Credentials | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return { username: decoded(url.username), password: decoded(url.password) };
}

/** `url` without its credentials (a copy; the same URL when it has none). Pure. */
export function withoutCredentials(url: URL): URL {
  if (url.username === '' && url.password === '') return url;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy;
}

/** The `Authorization` header value of Basic authentication, the credentials UTF-8 encoded. Pure. */
export function basicAuthorization(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/**
 * A URL's user information: after `scheme://` (or after `http:`/`https:` with any slashes or
 * backslashes, which a URL parser reads alike), up to the last `@` before the host. It cannot
 * run past a path, a query, a fragment, a space or a quote, so a message that names a URL and
 * then a mail address is left alone.
 */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/|\bhttps?:[\\/]*)([^\s/\\?#"<>`]*)@/gi;

/**
 * `text` with the credentials of every URL in it masked: `user:***@` when a password is given,
 * `***@` when only a user is (a token given as a user name is a secret too), as wget shows
 * a URL with a hidden password. For a URL, or any message that names URLs. Pure and idempotent.
 */
export function redactCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
