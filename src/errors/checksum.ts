import { ParafetchError } from './base.js';

/** The bytes received do not hash to the checksum the caller gave. */
export class ChecksumMismatchError extends ParafetchError {
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string, url: string) {
    super('CHECKSUM_MISMATCH', `sha256 of ${url} is ${actual}, expected ${expected}`, { retryable: true });
    this.expected = expected;
    this.actual = actual;
  }
}
