import type { ParafetchError } from '../errors/index.js';
import type { DownloadResult } from '../download/item.js';

export interface StartEvent {
  index: number;
  url: string;
}

export interface ProgressEvent {
  index: number;
  url: string;
  path: string | undefined;
  /** Bytes of this item on disk so far. */
  bytes: number;
  /** Its full size, when known. */
  total: number | undefined;
}

export interface RetryEvent {
  index: number;
  url: string;
  /** Attempts made so far. */
  attempt: number;
  delayMs: number;
  error: ParafetchError;
}

/** Counters of a run, cheap to read at any moment (renderers poll them on a timer). */
export interface RunStats {
  ok: number;
  skipped: number;
  failed: number;
  /** Items the abort stopped (status `cancelled`), whether they had started or not. */
  cancelled: number;
  active: number;
  /** Items read from the input and waiting to start, or waiting to retry. */
  queued: number;
  /**
   * Whether the whole input has been read (so `ok + skipped + failed + cancelled + active + queued`
   * is the total).
   */
  inputDone: boolean;
  /** Bytes received in this run. */
  bytes: number;
  startedAt: number;
}

export interface RunSummary {
  ok: number;
  skipped: number;
  failed: number;
  /**
   * Items the abort stopped (status `cancelled`): not failures, and not counted in `failed` or
   * `failuresByCode`. `ok + skipped + failed + cancelled` is the number of results.
   */
  cancelled: number;
  /** Of the `cancelled` items, those that never started (no request was made for them). */
  notStarted: number;
  bytes: number;
  ms: number;
  aborted: boolean;
  /** Failures (status `failed`) counted by error code. */
  failuresByCode: Record<string, number>;
}

export interface DownloaderEvents {
  start: [StartEvent];
  progress: [ProgressEvent];
  retry: [RetryEvent];
  /** An item ended `ok` or `skipped`. */
  finish: [DownloadResult];
  /** An item ended `failed`. */
  fail: [DownloadResult];
  /** An item ended `cancelled`: the run was aborted before it completed. */
  cancel: [DownloadResult];
  /** Every item's result, whatever its status. */
  result: [DownloadResult];
  end: [RunSummary];
}
