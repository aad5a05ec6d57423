import { ParafetchError } from './base.js';

/** Something failed that no other code describes: a bug, kept with its cause, never retried. */
export class InternalError extends ParafetchError {
  constructor(url: string, cause: unknown) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super('INTERNAL_ERROR', `unexpected failure for ${url}: ${what}`, { cause });
  }
}
