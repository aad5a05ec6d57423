import { ParafetchError } from './base.js';

/** The remote file changed (validator or size) while it was being fetched; it restarts from zero. */
export class RemoteChangedError extends ParafetchError {
  constructor(url: string, detail: string) {
    super('REMOTE_CHANGED', `${url} changed on the server during the download: ${detail}`, {
      retryable: true,
    });
  }
}
