import path from 'node:path';
import type { DownloadResult, ResultStatus } from '../index.js';

/**
 * One line of the `--report` file. Every key is always present with one type whatever the run's
 * outcome: a string that does not apply is `''`, never null, and `error` is always an object, so
 * that tools which infer a schema from the values (DuckDB, pandas) read the same table from a run
 * with failures and from one without.
 */
export interface ReportRecord {
  url: string;
  /** The destination relative to the download folder, with `/` separators; `''` when none was decided. */
  path: string;
  /** `cancelled` for an item an interrupt stopped; with `attempts` 0 it had not started. */
  status: ResultStatus;
  /** The file's size; for a failure, what was received of it. */
  bytes: number;
  /** `''` when not computed (`--no-hash`, failures). */
  sha256: string;
  attempts: number;
  /** Time the item was worked on (requests, transfer, file), without its waits. */
  ms: number;
  /** Time it waited: for its turn after being read, and before each retry. */
  queuedMs: number;
  /** When the item was read (the start of `queuedMs`), in ms since the epoch. */
  startedAt: number;
  /** When its result was decided, in ms since the epoch. */
  endedAt: number;
  /** Summed over its requests: until a socket carried each (a new connection's setup; ~0 when reused). */
  connectMs: number;
  /** Summed over its requests: from then until the response head. */
  waitMs: number;
  /** Summed over its requests: from the response head until the body's end (or failure). */
  bodyMs: number;
  /** Its waits before retries (counted in `queuedMs` too). */
  retryWaitMs: number;
  /** The last attempt's connect + wait; 0 when it got no response. */
  ttfbMs: number;
  /** The Retry-After delays it honoured, summed. */
  retryAfterMs: number;
  /** The cluster worker that downloaded it; `''` outside a cluster. */
  worker: string;
  /** `code` and `message` are `''` when the item did not fail. */
  error: { code: string; message: string };
}

/** Whether a destination is a URL (`s3://bucket/key`) rather than a local path. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The path of `file` relative to `dir`, with `/` separators; null when there is none. A URL (an
 * object in a store) is relative to a `dir` it starts with, else kept whole. Pure.
 */
export function relativePath(dir: string, file: string | undefined): string | null {
  if (file === undefined) return null;
  if (URL_LIKE.test(file)) {
    const root = dir.endsWith('/') ? dir : `${dir}/`;
    return file.startsWith(root) ? file.slice(root.length) : file;
  }
  return path.relative(dir, file).split(path.sep).join('/');
}

/** The folder destinations are reported relative to: a local one resolved, a URL as it is. Pure. */
export function reportRoot(dir: string): string {
  return URL_LIKE.test(dir) ? dir.replace(/\/+$/, '') : path.resolve(dir);
}

/** A result as a report record; `dir` is the download folder, `worker` the cluster worker's id. Pure. */
export function reportRecord(result: DownloadResult, dir: string, worker = ''): ReportRecord {
  return {
    url: result.url,
    path: relativePath(dir, result.path) ?? '',
    status: result.status,
    bytes: result.bytes,
    sha256: result.sha256 ?? '',
    attempts: result.attempts,
    ms: Math.round(result.ms),
    queuedMs: Math.round(result.queuedMs),
    startedAt: Math.round(result.startedAt),
    endedAt: Math.round(result.endedAt),
    connectMs: Math.round(result.connectMs),
    waitMs: Math.round(result.waitMs),
    bodyMs: Math.round(result.bodyMs),
    retryWaitMs: Math.round(result.retryWaitMs),
    ttfbMs: Math.round(result.ttfbMs),
    retryAfterMs: Math.round(result.retryAfterMs),
    worker,
    error: { code: result.error?.code ?? '', message: result.error?.message ?? '' },
  };
}
