/**
 * Every error parafetch reports is a ParafetchError with a stable `code`, so that a caller can
 * `switch (err.code)` and a report reader can group failures by code.
 */
export type ErrorCode =
  | `HTTP_${number}`
  | 'CONNECT_TIMEOUT'
  | 'HEADERS_TIMEOUT'
  | 'STALL_TIMEOUT'
  | 'CONNECTION_RESET'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_ERROR'
  | 'DNS_ERROR'
  | 'TLS_ERROR'
  | 'TRUNCATED_BODY'
  | 'BODY_TOO_LONG'
  | 'CHECKSUM_MISMATCH'
  | 'TOO_MANY_REDIRECTS'
  | 'UNSAFE_REDIRECT'
  | 'UNSAFE_PATH'
  | 'INVALID_URL'
  | 'DISK_ERROR'
  | 'STORE_ERROR'
  | 'REMOTE_CHANGED'
  | 'CANNOT_CONTINUE'
  | 'ABORTED'
  | 'INVALID_OPTION'
  | 'INPUT_ERROR'
  | 'PROXY_AUTH_REQUIRED'
  | 'PROXY_REFUSED'
  | 'PROXY_ERROR'
  | 'LOW_SPEED'
  | 'WORKER_EXITED'
  | 'INTERNAL_ERROR';

/** Marks every ParafetchError, whichever copy of this module made it (`Symbol.for` is one per process). */
const BRAND = Symbol.for('parafetch.error');

export class ParafetchError extends Error {
  readonly code: ErrorCode;
  /** Whether trying the same item again may succeed. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `instanceof` holds for an error made by another copy of these classes too (the bundled
   * command loads object storage from a file of its own; an application may hold two copies of
   * the package): any ParafetchError for this class, and for a subclass the same class by name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!(BRAND in value)) return false;
    if (this.name === 'ParafetchError') return true;
    for (
      let p = Object.getPrototypeOf(value) as object | null;
      p;
      p = Object.getPrototypeOf(p) as object | null
    ) {
      if ((p as { constructor?: { name?: string } }).constructor?.name === this.name) return true;
    }
    return false;
  }

  /** The plain form used in reports: `{ code, message }`. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
