import { ParafetchError } from './base.js';

/**
 * The body went on past the bytes the response itself announced (its Content-Range, or the
 * file's known size): nothing past that point is written, nothing is committed.
 */
export class BodyTooLongError extends ParafetchError {
  /** Bytes the response could carry. */
  readonly expected: number;

  constructor(expected: number, url: string) {
    super('BODY_TOO_LONG', `body of ${url} runs past the ${expected} bytes its response announced`, {
      retryable: true,
    });
    this.expected = expected;
  }
}
