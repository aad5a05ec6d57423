import { ParafetchError } from './base.js';

/** The body ended before the length the server announced. */
export class TruncatedBodyError extends ParafetchError {
  readonly expected: number;
  readonly received: number;

  constructor(expected: number, received: number, url: string) {
    super('TRUNCATED_BODY', `body of ${url} ended after ${received} of ${expected} bytes`, {
      retryable: true,
    });
    this.expected = expected;
    this.received = received;
  }
}
