import { ParafetchError } from './base.js';

/** A URL that cannot be parsed or has a scheme parafetch does not fetch. */
export class InvalidUrlError extends ParafetchError {
  constructor(url: string, reason: string) {
    super('INVALID_URL', `invalid URL ${JSON.stringify(url)}: ${reason}`);
  }
}
