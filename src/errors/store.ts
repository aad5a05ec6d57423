import { ParafetchError } from './base.js';

/**
 * An object store refused or failed (S3 and compatible): no such bucket, access denied, a part
 * lost, the store unreachable. `retryable` when trying the same item again may succeed (a 5xx,
 * throttling, a dropped connection to the store).
 */
export class StoreError extends ParafetchError {
  /** What the store itself said: its error code (`NoSuchBucket`, `AccessDenied`, …) or status. */
  readonly storeCode: string | undefined;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean; storeCode?: string } = {}) {
    super('STORE_ERROR', message, options);
    this.storeCode = options.storeCode;
  }
}
