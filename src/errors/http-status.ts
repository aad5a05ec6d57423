import { ParafetchError } from './base.js';

/** 4xx statuses that a later attempt may turn into a success (so may every 5xx but 501 and 505). */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** The server answered with a status that is not a success (code `HTTP_<status>`). */
export class HttpStatusError extends ParafetchError {
  readonly status: number;
  /** The raw `Retry-After` header, when the server sent one. */
  readonly retryAfter: string | undefined;

  constructor(status: number, url: string, retryAfter?: string) {
    super(`HTTP_${status}`, `server answered ${status} for ${url}`, {
      retryable: RETRYABLE_4XX.has(status) || (status >= 500 && status !== 501 && status !== 505),
    });
    this.status = status;
    this.retryAfter = retryAfter;
  }
}
