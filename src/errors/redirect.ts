import { ParafetchError } from './base.js';

/** More redirects than `maxRedirects`, or a redirect loop. */
export class TooManyRedirectsError extends ParafetchError {
  constructor(max: number, url: string) {
    super('TOO_MANY_REDIRECTS', `more than ${max} redirects starting at ${url}`);
  }
}

/** A redirect to a scheme other than http/https, or without a usable Location. */
export class UnsafeRedirectError extends ParafetchError {
  constructor(location: string, url: string) {
    super('UNSAFE_REDIRECT', `refused redirect from ${url} to ${location}`);
  }
}
