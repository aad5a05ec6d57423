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
  /**
   * How many items the input holds, when they were counted before the input was read to its end
   * (see `Downloader.expectItems`); undefined when not counted.
   */
  expected: number | undefined;
  /** Bytes received in this run. */
  bytes: number;
  /** What is known so far of the items' sizes, for a progress in bytes. */
  sizes: RunSizes;
  startedAt: number;
}

/**
 * The sizes of a run's items as far as they are known, in bytes. An item not started yet has no
 * known size; one started may (a Content-Length, the size of a resumed file), and one ended has.
 */
export interface RunSizes {
  /** Items ended `ok` or `skipped`, and the sum of their sizes. */
  complete: number;
  completeBytes: number;
  /** What the items ended `failed` or `cancelled` held at their end, in all. */
  endedBytes: number;
  /**
   * Items started and not ended (running, or waiting to retry) whose full size is known: how
   * many, the sum of those sizes, and how much of them they hold (resumed bytes included).
   */
  sized: number;
  sizedTotal: number;
  sizedBytes: number;
  /** Items started and not ended whose size is not known yet, and the bytes they hold. */
  unsized: number;
  unsizedBytes: number;
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
