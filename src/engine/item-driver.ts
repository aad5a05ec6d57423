import { AbortedError, type ParafetchError } from '../errors/index.js';
import type { DownloadResult } from '../download/item.js';
import type { Admission } from './admission.js';
import { afterFailure, type AttemptHistory } from './after-failure.js';
import { asItemError } from './error-kind.js';
import type { DownloaderEvents } from './events.js';
import type { HostGate } from './host-gate.js';
import type { PlacedJob } from './loops.js';
import type { NormalizedOptions } from './options.js';

/** One item of a run, from when it was read until its one result. */
export interface Entry extends AttemptHistory {
  job: PlacedJob;
  /** Whether its `start` event went out and the download folder was checked. */
  started: boolean;
  settled: boolean;
}

/** What driving an item's attempts needs of its run. */
export interface DriveContext {
  readonly options: NormalizedOptions;
  readonly signal: AbortSignal;
  readonly gate: HostGate;
  readonly admission: Admission<Entry>;
  /** Why no item can be written into the download folder, checked once for the run; undefined when it can. */
  rootProblem(): Promise<ParafetchError | undefined>;
  /** Counts and hands out the item's result, once. */
  settle(result: DownloadResult, entry: Entry): void;
  emit<K extends 'start' | 'retry'>(event: K, ...args: DownloaderEvents[K]): void;
}

/**
 * One turn of an item: its start (the `start` event, the folder's check), its preparation (a
 * skip needs no request), then one attempt; after a failure, the next mirror, a retry later
 * (back in the admission's backlog) or its end.
 */
export async function drive(entry: Entry, c: DriveContext): Promise<void> {
  const { job } = entry;
  const { signal } = c;
  if (!entry.started) {
    c.emit('start', { index: job.index, url: job.url });
    entry.started = true;
    const rootError = await c.rootProblem();
    if (rootError) return c.settle(await job.fail(rootError, false), entry);
  }
  if (!job.prepared) {
    try {
      const skipped = await job.prepare();
      if (skipped) return c.settle(skipped, entry);
    } catch (err) {
      return c.settle(await job.fail(itemError(err, job, c.options), false), entry);
    }
  }
  if (signal.aborted) {
    return c.settle(await job.fail(new AbortedError(job.url, signal.reason), true), entry);
  }
  try {
    const result = await job.attempt(signal);
    c.gate.answered(entry.host);
    c.settle(result, entry);
  } catch (err) {
    if (signal.aborted) return c.settle(await job.fail(new AbortedError(job.url, err), true), entry);
    return retryOrFail(entry, itemError(err, job, c.options), c);
  }
}

/** After a failed attempt: the next mirror, a retry later, or the end. */
function retryOrFail(entry: Entry, error: ParafetchError, c: DriveContext): void | Promise<void> {
  const { job } = entry;
  entry.attempts = job.attempts;
  const next = afterFailure(entry, error, c.gate, c.options, Date.now(), Math.random());
  if (!next.retry) return job.fail(next.error, false).then((r) => c.settle(r, entry));
  entry.host = next.host;
  // Queued before the event: a listener that aborts the run finds it there, to cancel it.
  c.admission.backlog.later(entry, next.delayMs);
  c.emit('retry', { index: job.index, url: job.url, attempt: job.attempts, delayMs: next.delayMs, error });
}

/** A bug below: the item still gets its one result, with the cause kept. */
export async function failUnexpectedly(entry: Entry, err: unknown, c: DriveContext): Promise<void> {
  const { job } = entry;
  const error = itemError(err, job, c.options);
  const r = await job.fail(error, true).catch(() => job.result('failed', job.bytes, undefined, error));
  c.settle(r, entry);
}

function itemError(err: unknown, job: PlacedJob, options: NormalizedOptions): ParafetchError {
  return asItemError(err, job.url, options.timeouts);
}
