import { ParafetchError } from './base.js';

/** The worker thread making the transfer stopped mid-way; another one tries the item again. */
export class WorkerExitedError extends ParafetchError {
  constructor(url: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('WORKER_EXITED', `the worker thread downloading ${url} stopped${why}`, { cause, retryable: true });
  }
}
