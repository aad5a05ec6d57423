import { ParafetchError } from './base.js';

/**
 * A file at the destination cannot be continued (`continue`): it is longer than the server's,
 * or the server cannot say how long its own is. The file is kept as it is.
 */
export class CannotContinueError extends ParafetchError {
  constructor(url: string, path: string, detail: string) {
    super('CANNOT_CONTINUE', `cannot continue ${path} from ${url}: ${detail}`);
  }
}
