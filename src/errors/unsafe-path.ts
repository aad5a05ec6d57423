import { ParafetchError } from './base.js';

/** A destination that would land outside the download directory. */
export class UnsafePathError extends ParafetchError {
  readonly path: string;

  constructor(path: string, reason: string) {
    super('UNSAFE_PATH', `unsafe destination ${JSON.stringify(path)}: ${reason}`);
    this.path = path;
  }
}
