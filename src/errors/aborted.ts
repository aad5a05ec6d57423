import { ParafetchError } from './base.js';

/** The run was aborted through its AbortSignal before this item completed. */
export class AbortedError extends ParafetchError {
  constructor(url: string, cause?: unknown) {
    super('ABORTED', `aborted: ${url}`, { cause });
  }
}
