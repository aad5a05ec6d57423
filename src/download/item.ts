import { AbortedError, InternalError, type ParafetchError } from '../errors/index.js';
import type { ExchangeTimes } from '../transport/exchange-times.js';

/** The value of one of an item's own fields: what a CSV cell or a JSON scalar holds. */
export type FieldValue = string | number | boolean | null;

/** One thing to download. */
export interface DownloadItem {
  /** http(s) URL to fetch. */
  url: string;
  /** Other URLs serving the same bytes; attempts rotate through `[url, ...mirrors]`. */
  mirrors?: readonly string[];
  /**
   * Destination, relative to `options.dir`. When absent the name comes from the URL (or from
   * `Content-Disposition` with `contentDisposition: true`), made safe and unique.
   */
  path?: string;
  /** Expected SHA-256 of the whole file, hex. The file is kept only when it matches. */
  sha256?: string;
  /** Extra request headers for this item; they override `options.headers`. */
  headers?: Readonly<Record<string, string>>;
  /**
   * The item's own name in a collection: a WebDataset shard names the sample's members
   * `KEY.ext`. 1 to 200 printable characters, without `.` or `\`; `/` separates non-empty
   * components (so it neither starts nor ends with `/`). From a manifest's `key` column or property.
   */
  key?: string;
  /**
   * The manifest's other columns (CSV, TSV: strings, an empty cell as '') or properties (JSON
   * Lines: scalars as given, an object or array as its JSON text), kept with the item and not
   * read by the download: a WebDataset shard writes them as the sample's `KEY.json`. Numbers
   * are finite.
   */
  fields?: Readonly<Record<string, FieldValue>>;
}

/**
 * `ok`: downloaded; `skipped`: already there; `failed`: gave up on it; `cancelled`: the run was
 * aborted before it completed (not a failure of its own: the same run again resumes it).
 */
export type ResultStatus = 'ok' | 'skipped' | 'failed' | 'cancelled';

/** What every result says, whatever its status. */
interface ResultFields {
  /** Position of the item in the input, from 0. */
  index: number;
  url: string;
  /** Absolute final path, or undefined when no destination could be decided. */
  path: string | undefined;
  /** Size of the file now under `path` (for `failed` and `cancelled`, bytes received before the end). */
  bytes: number;
  /** HTTP attempts made (0 for an item skipped without a request, or cancelled before it started). */
  attempts: number;
  /**
   * Time the item was worked on, in milliseconds: its requests, its transfer and its file, without
   * the time it waited (`queuedMs`).
   */
  ms: number;
  /**
   * Time the item waited, in milliseconds: from being read from the input until it started, and
   * before each retry (a job made outside a run has not waited: 0).
   */
  queuedMs: number;
  /** When the item was read (let in, outside a run), in ms since the epoch: the start of `queuedMs`. */
  startedAt: number;
  /** When its result was decided, in ms since the epoch. */
  endedAt: number;
  /**
   * Summed over its requests: from handing each to the connection pool until a socket carried it
   * (a new connection's setup; about 0 on a reused keep-alive socket). A split download counts
   * the request that opened it only (its other ranges run beside it).
   */
  connectMs: number;
  /** Summed over its requests: from then until the response head arrived. */
  waitMs: number;
  /** Summed over its requests: from the response head until the body ended, failed or was let go. */
  bodyMs: number;
  /** Summed waits before its retries (part of `queuedMs`: `queuedMs - retryWaitMs` is the first wait). */
  retryWaitMs: number;
  /** The last attempt's time to its response head (connect + wait); 0 when it got no response. */
  ttfbMs: number;
  /** The sum of the Retry-After delays honoured before its retries (0 when none). */
  retryAfterMs: number;
  /** The item as it was given, so failures can be written back in an input format. */
  item: DownloadItem;
}

/** An item that is now under its path: downloaded (`ok`) or found there (`skipped`). */
export interface SuccessResult extends ResultFields {
  status: 'ok' | 'skipped';
  /** SHA-256 (hex) of the file now under `path`; undefined when hashing is off. */
  sha256: string | undefined;
  error?: undefined;
}

/** An item that is not: it failed (`failed`), or the run was aborted before it completed (`cancelled`). */
export interface FailureResult extends ResultFields {
  status: 'failed' | 'cancelled';
  sha256: undefined;
  /** Why, with a stable `code`; for `cancelled`, an error with code `ABORTED`. */
  error: ParafetchError;
}

/** What happened to one item: `status` tells which, and `status === 'failed'` brings its `error`. */
export type DownloadResult = SuccessResult | FailureResult;

/** What a result is made of, taken from the job it is about. */
export interface ResultSource {
  readonly index: number;
  readonly item: DownloadItem;
  /** Where the item is (or would be), once decided. */
  readonly finalPath: string | undefined;
  readonly attempts: number;
  /** Where the time of its requests went, when it made any. */
  readonly times?: ExchangeTimes | undefined;
}

/**
 * The result of `job`, which started at `startedAt` (ms since the epoch). A failure or
 * cancellation given without its error gets one (INTERNAL_ERROR, ABORTED): a result that failed
 * always says why.
 */
export function resultOf(
  job: ResultSource,
  startedAt: number,
  status: ResultStatus,
  bytes: number,
  sha256?: string,
  error?: ParafetchError,
): DownloadResult {
  const times = job.times;
  const now = Date.now();
  const fields: ResultFields = {
    index: job.index,
    url: job.item.url,
    path: job.finalPath,
    bytes,
    attempts: job.attempts,
    ms: now - startedAt,
    queuedMs: 0,
    startedAt,
    endedAt: now,
    connectMs: times?.connectMs ?? 0,
    waitMs: times?.waitMs ?? 0,
    bodyMs: times?.bodyMs ?? 0,
    retryWaitMs: 0,
    ttfbMs: times?.ttfbMs ?? 0,
    retryAfterMs: 0,
    item: job.item,
  };
  if (status === 'ok' || status === 'skipped') {
    return { ...fields, status, sha256 };
  }
  const why =
    error ??
    (status === 'cancelled'
      ? new AbortedError(job.item.url)
      : new InternalError(job.item.url, 'the item failed without a reason'));
  return { ...fields, status, sha256: undefined, error: why };
}
