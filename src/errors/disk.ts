import { ParafetchError } from './base.js';

/** The file system refused: no space, no permission, a file where a folder should be... */
export class DiskError extends ParafetchError {
  readonly syscall: string | undefined;

  constructor(message: string, cause?: unknown) {
    const sys = (cause as NodeJS.ErrnoException | undefined)?.syscall;
    super('DISK_ERROR', message, { cause });
    this.syscall = sys;
  }
}
