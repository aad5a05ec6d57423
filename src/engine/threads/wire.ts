import * as errors from '../../errors/index.js';
import { InternalError, ParafetchError } from '../../errors/index.js';
import type { DownloadItem, DownloadResult } from '../../download/item.js';
import type { LendAsk } from './lent-connections.js';

/**
 * The messages between the thread that runs a download and the worker threads that make its
 * transfers, and how what they carry crosses: errors keep their class and fields, results
 * leave their item behind (the run has it).
 */

/** A ParafetchError as it crosses a thread. */
export interface WireError {
  name: string;
  fields: Record<string, unknown>;
}

/** A result as it crosses a thread: the item stays where it came from. */
export type WireResult = Omit<DownloadResult, 'item' | 'error'> & { error?: WireError };

/** What a job's owner last heard of it: where it goes, how far it got. */
export interface JobNews {
  index: number;
  finalPath: string | undefined;
  bytes: number;
  total: number | undefined;
  attempts: number;
  /** Bytes received since the last news. */
  delta: number;
}

/** From the run to a worker thread. */
export type ToWorker =
  | { type: 'prepare'; call: number; index: number; item: DownloadItem }
  | { type: 'attempt'; call: number; index: number }
  | { type: 'fail'; call: number; index: number; error: WireError; keepPartial: boolean }
  | { type: 'abort'; index: number; reason: WireError }
  /** The answer to a `claim` or a `cookie` ask. */
  | { type: 'claimed'; call: number; value?: unknown; error?: WireError }
  | { type: 'lent'; origin: string; n: number }
  | { type: 'wanted'; value: boolean }
  /** Bytes of the run's rate limit the thread may spend (see rate-grants.ts). */
  | { type: 'granted'; n: number }
  | { type: 'close' };

/** A question of a worker about the run's claims (see download/claims.ts). */
export type ClaimAsk =
  | { op: 'uniqueDerived'; path: string; index?: number | undefined; source?: string | undefined }
  | { op: 'taken'; path: string }
  | { op: 'hold'; path: string }
  | { op: 'tryHold'; path: string }
  | { op: 'release'; path: string; hold: number };

/** A worker's request of the run's cookies (see transport/cookies.ts); URLs as strings. */
export type CookieAsk =
  { op: 'cookieHeader'; url: string } | { op: 'cookiesReceived'; url: string; setCookie: string[] };

/** From a worker thread to the run. */
export type FromWorker =
  | { type: 'done'; call: number; result?: WireResult | undefined; error?: WireError; news: JobNews }
  | { type: 'news'; news: JobNews[] }
  | ({ type: 'claim'; call: number } & ClaimAsk)
  | ({ type: 'cookie'; call: number } & CookieAsk)
  | ({ type: 'lend' } & LendAsk)
  /** Asks for bytes of the run's rate limit. */
  | { type: 'grant'; n: number }
  | { type: 'closed' };

const classes = new Map<string, typeof ParafetchError>(
  Object.values(errors)
    .filter((c): c is typeof ParafetchError => typeof c === 'function' && c.prototype instanceof Error)
    .map((c) => [c.name, c]),
);

/** A cause (any value) as plain data: its name, message and code. */
function plainCause(cause: unknown): unknown {
  if (cause instanceof Error) {
    const { code } = cause as { code?: unknown };
    return { name: cause.name, message: cause.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return typeof cause === 'string' ? cause : undefined;
}

/** Any thrown value as a ParafetchError that can cross a thread. */
export function toWire(err: unknown): WireError {
  const e = err instanceof ParafetchError ? err : new InternalError('a worker thread', err);
  const fields: Record<string, unknown> = { message: e.message, stack: e.stack };
  for (const [k, v] of Object.entries(e)) fields[k] = v;
  if (e.cause !== undefined) fields.cause = plainCause(e.cause);
  return { name: e.constructor.name, fields };
}

/** The ParafetchError a WireError stands for, of its own class. */
export function fromWire(w: WireError): ParafetchError {
  const cls = classes.get(w.name) ?? ParafetchError;
  const e = Object.create(cls.prototype) as ParafetchError;
  Object.assign(e, w.fields);
  Object.defineProperty(e, 'message', { value: w.fields.message, enumerable: false, writable: true });
  Object.defineProperty(e, 'stack', { value: w.fields.stack, enumerable: false, writable: true });
  if ('cause' in w.fields) Object.defineProperty(e, 'cause', { value: w.fields.cause, enumerable: false });
  return e;
}

export function resultToWire(r: DownloadResult): WireResult {
  const { item: _item, error, ...rest } = r;
  return error ? { ...rest, error: toWire(error) } : rest;
}

export function resultFromWire(w: WireResult, item: DownloadItem): DownloadResult {
  const { error, ...rest } = w;
  // The thread made it with resultOf: a failure comes with its error.
  return (error ? { ...rest, item, error: fromWire(error) } : { ...rest, item }) as DownloadResult;
}
