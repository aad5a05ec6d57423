import { InvalidUrlError, TooManyRedirectsError, UnsafeRedirectError } from '../errors/index.js';
import type { ByteBudget } from './byte-budget.js';
import type { HttpClient, HttpResponse } from './client.js';
import type { ExchangeTimes } from './exchange-times.js';
import { discardBody } from './discard.js';
import { header } from './headers.js';
import { keepCookies, sessionHeaders, type Session } from './session.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Credentials that must not follow a redirect to another origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

/** Parses an item's URL, accepting only http and https. */
export function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidUrlError(raw, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError(raw, `scheme ${url.protocol} is not http or https`);
  }
  return url;
}

/**
 * The next hop of a redirect: the resolved URL and the headers to send there. Pure.
 * Refuses schemes other than http/https; drops credentials when the origin changes.
 */
export function nextHop(
  from: URL,
  location: string | undefined,
  headers: Record<string, string>,
): { url: URL; headers: Record<string, string> } {
  if (!location) throw new UnsafeRedirectError('(no Location header)', from.href);
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    throw new UnsafeRedirectError(location, from.href);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeRedirectError(location, from.href);
  }
  if (url.origin === from.origin) return { url, headers };
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!CREDENTIALS.includes(k.toLowerCase())) kept[k] = v;
  }
  return { url, headers: kept };
}

export interface FollowOptions {
  headers: Record<string, string>;
  maxRedirects: number;
  signal?: AbortSignal | undefined;
  /** Credentials and cookies, given to each hop as its URL allows (see Session). */
  session?: Session | undefined;
  /** Paces the bodies besides the client's own budget (the file's rate limit). */
  budget?: ByteBudget | undefined;
  /** Where every hop's phases are added (see ExchangeTimes). */
  times?: ExchangeTimes | undefined;
}

/**
 * GETs `url`, following up to `maxRedirects` redirects. Range/If-Range headers are carried on
 * every hop. The cookies every response sets, redirects included, are stored before the next
 * request. Resolves with the first non-redirect response; its `requestHeaders` are the headers
 * of its hop without what the session added.
 */
export async function getFollowingRedirects(
  client: HttpClient,
  url: URL,
  options: FollowOptions,
): Promise<HttpResponse & { requestHeaders: Record<string, string> }> {
  let current = url;
  let headers = options.headers;
  for (let hop = 0; ; hop++) {
    const { session } = options;
    const sent = session ? await sessionHeaders(current, headers, session) : headers;
    const res = await client.request(current, {
      headers: sent,
      signal: options.signal,
      budget: options.budget,
      times: options.times,
    });
    if (session?.cookies) {
      try {
        await keepCookies(current, res.headers, session);
      } catch (err) {
        discardBody(res);
        throw err;
      }
    }
    if (!REDIRECTS.has(res.status)) return { ...res, requestHeaders: headers };
    discardBody(res);
    if (hop >= options.maxRedirects) throw new TooManyRedirectsError(options.maxRedirects, url.href);
    ({ url: current, headers } = nextHop(current, header(res.headers, 'location'), headers));
  }
}
