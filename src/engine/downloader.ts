import { EventEmitter, setMaxListeners } from 'node:events';
import { AbortedError, type ParafetchError } from '../errors/index.js';
import { DestinationClaims } from '../download/claims.js';
import type { DownloadItem, DownloadResult } from '../download/item.js';
import { DownloadJob, type JobContext } from '../download/job.js';
import { DirectoryGuard } from '../storage/safe-path.js';
import { SyncWriteGate } from '../storage/small-file.js';
import { HttpClient } from '../transport/client.js';
import { toTransportError } from '../transport/errors.js';
import type { DownloaderEvents, RunStats, RunSummary } from './events.js';
import { HostGate, hostKey } from './host-gate.js';
import { normalizeOptions, type DownloadOptions, type NormalizedOptions } from './options.js';
import { AsyncQueue } from './result-queue.js';
import { decideRetry, type RetryDecision } from './retry-policy.js';

/** What `download` and `Downloader` accept: items, or bare URL strings. */
export type ItemSource = Iterable<DownloadItem | string> | AsyncIterable<DownloadItem | string>;

interface Entry {
  job: DownloadJob;
  host: string;
  prepared: boolean;
}

/**
 * Downloads a stream of items: at most `concurrency` at once and `perHost` per origin,
 * retrying transient failures with backoff. Reads the input lazily (a bounded look-ahead),
 * so the length of the list costs no memory. Emits typed events, and can be iterated for
 * results as they finish.
 */
export class Downloader extends EventEmitter<DownloaderEvents> {
  readonly options: NormalizedOptions;
  readonly #source: ItemSource;
  readonly #controller = new AbortController();
  readonly #gate: HostGate;
  readonly #lookahead: number;
  #running: Promise<RunSummary> | undefined;
  #results: AsyncQueue<DownloadResult> | undefined;
  #ctx: JobContext | undefined;
  #ready: Entry[] = [];
  readonly #active = new Set<Entry>();
  readonly #waiting = new Map<Entry, NodeJS.Timeout>();
  #inputDone = false;
  #inputError: unknown;
  #nextIndex = 0;
  #wakeFiller: (() => void) | undefined;
  #finish: (() => void) | undefined;
  #gateTimer: NodeJS.Timeout | undefined;
  /** The counters; the rest of RunStats is read from the queues when asked. */
  #stats: Pick<RunStats, 'ok' | 'skipped' | 'failed' | 'bytes' | 'startedAt'> = {
    ok: 0,
    skipped: 0,
    failed: 0,
    bytes: 0,
    startedAt: 0,
  };
  readonly #failuresByCode: Record<string, number> = {};

  constructor(items: ItemSource, options: DownloadOptions = {}) {
    super();
    this.options = normalizeOptions(options);
    this.#source = items;
    this.#gate = new HostGate(this.options.perHost);
    this.#lookahead = Math.max(256, this.options.concurrency * 4);
  }

  /** Runs the whole list once; resolves with the summary (never rejects for failed items). */
  run(): Promise<RunSummary> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Stops the run: nothing new starts, in-flight requests are cancelled. */
  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  /** A snapshot of the run's counters. */
  stats(): RunStats {
    return {
      ...this.#stats,
      active: this.#active.size,
      queued: this.#ready.length + this.#waiting.size,
      inputDone: this.#inputDone,
    };
  }

  /** Results as items finish. Starts the run; iterate before calling `run()` to see them all. */
  [Symbol.asyncIterator](): AsyncIterableIterator<DownloadResult> {
    if (this.#running && !this.#results) {
      throw new Error('Iterate a Downloader before calling run(), or no result would be missed');
    }
    // A consumer that fell behind holds new work back (see #pump); taking a result lets it go on.
    this.#results ??= new AsyncQueue<DownloadResult>(() => this.#pump());
    void this.run().catch(() => {});
    return this.#results;
  }

  async #run(): Promise<RunSummary> {
    const { options } = this;
    const signal = this.#controller.signal;
    // Every request in flight listens to this one signal.
    setMaxListeners(0, signal);
    const outer = options.signal;
    const onOuterAbort = () => this.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    const client = new HttpClient(options);
    this.#ctx = {
      options,
      client,
      guard: new DirectoryGuard(options.dir),
      claims: new DestinationClaims(),
      progress: (job, n) => this.#progress(job, n),
      syncWrites: new SyncWriteGate(),
      retryDelay: (failures, error) => {
        const d = this.#decide(failures, error);
        return d.retry ? d.delayMs : undefined;
      },
    };
    this.#stats.startedAt = Date.now();
    const drained = new Promise<void>((resolve) => (this.#finish = resolve));
    signal.addEventListener('abort', () => this.#onAbort(), { once: true });
    void this.#fill();
    await drained;
    outer?.removeEventListener('abort', onOuterAbort);
    clearTimeout(this.#gateTimer);
    if (signal.aborted) await client.destroy();
    else await client.close();

    const summary: RunSummary = {
      ok: this.#stats.ok,
      skipped: this.#stats.skipped,
      failed: this.#stats.failed,
      bytes: this.#stats.bytes,
      ms: Date.now() - this.#stats.startedAt,
      aborted: signal.aborted,
      failuresByCode: { ...this.#failuresByCode },
    };
    this.#results?.close();
    this.#safeEmit('end', summary);
    if (this.#inputError !== undefined) throw this.#inputError;
    return summary;
  }

  /** Reads the input into the look-ahead buffer, never more than it holds. */
  async #fill(): Promise<void> {
    const signal = this.#controller.signal;
    let iterator: Iterator<DownloadItem | string> | AsyncIterator<DownloadItem | string> | undefined;
    try {
      const src = this.#source as Partial<
        AsyncIterable<DownloadItem | string> & Iterable<DownloadItem | string>
      >;
      iterator = src[Symbol.asyncIterator]?.() ?? src[Symbol.iterator]?.();
      if (!iterator) throw new TypeError('items must be an iterable or async iterable');
      while (!signal.aborted) {
        if (this.#ready.length >= this.#lookahead) {
          await new Promise<void>((resolve) => (this.#wakeFiller = resolve));
          continue;
        }
        const next = await iterator.next();
        if (next.done || signal.aborted) break;
        this.#enqueue(next.value);
      }
      if (signal.aborted) await iterator.return?.();
    } catch (err) {
      this.#inputError = err;
    } finally {
      this.#inputDone = true;
      this.#pump();
    }
  }

  #enqueue(value: DownloadItem | string): void {
    const item: DownloadItem =
      typeof value === 'string'
        ? { url: value }
        : typeof value === 'object' && value !== null && typeof value.url === 'string'
          ? value
          : { url: String((value as { url?: unknown } | null)?.url ?? value) };
    const job = new DownloadJob(this.#nextIndex++, item, this.#ctx!);
    this.#ready.push({ job, host: hostKey(item.url), prepared: false });
    this.#pump();
  }

  /** Starts what may start; wakes the reader; notices the end. */
  #pump(): void {
    const signal = this.#controller.signal;
    const now = Date.now();
    const backedUp = this.#results !== undefined && this.#results.size > this.#lookahead;
    while (
      !signal.aborted &&
      !backedUp &&
      this.#active.size < this.options.concurrency &&
      this.#ready.length
    ) {
      const i = this.#ready.findIndex((e) => this.#gate.canStart(e.host, now));
      if (i === -1) {
        this.#timeGate(now);
        break;
      }
      const [entry] = this.#ready.splice(i, 1);
      this.#start(entry!);
    }
    if (this.#ready.length < this.#lookahead && this.#wakeFiller) {
      const wake = this.#wakeFiller;
      this.#wakeFiller = undefined;
      wake();
    }
    if (this.#inputDone && !this.#ready.length && !this.#active.size && !this.#waiting.size) {
      this.#finish?.();
    }
  }

  /** When every waiting item's origin is paused by Retry-After, pump again when one opens. */
  #timeGate(now: number): void {
    const at = this.#gate.nextOpening(now);
    if (at === undefined) return;
    clearTimeout(this.#gateTimer);
    this.#gateTimer = setTimeout(() => this.#pump(), at - now + 1);
  }

  #start(entry: Entry): void {
    this.#active.add(entry);
    this.#gate.enter(entry.host);
    void this.#drive(entry).finally(() => {
      this.#active.delete(entry);
      this.#gate.leave(entry.host);
      this.#pump();
    });
  }

  async #drive(entry: Entry): Promise<void> {
    const { job } = entry;
    const signal = this.#controller.signal;
    if (!entry.prepared) {
      this.#safeEmit('start', { index: job.index, url: job.url });
      entry.prepared = true;
      try {
        const skipped = await job.prepare();
        if (skipped) return this.#settle(skipped);
      } catch (err) {
        return this.#settle(await job.fail(this.#asError(err, job), false));
      }
    }
    try {
      this.#settle(await job.attempt(signal));
    } catch (err) {
      if (signal.aborted) return this.#settle(await job.fail(new AbortedError(job.url, err), true));
      const error = this.#asError(err, job);
      const decision = this.#decide(job.attempts, error);
      if (!decision.retry) return this.#settle(await job.fail(error, false));
      if (decision.fromRetryAfter) this.#gate.pause(entry.host, Date.now() + decision.delayMs);
      this.#safeEmit('retry', {
        index: job.index,
        url: job.url,
        attempt: job.attempts,
        delayMs: decision.delayMs,
        error,
      });
      const timer = setTimeout(() => {
        this.#waiting.delete(entry);
        this.#ready.unshift(entry);
        this.#pump();
      }, decision.delayMs);
      this.#waiting.set(entry, timer);
    }
  }

  #decide(attempt: number, error: ParafetchError): RetryDecision {
    return decideRetry({ attempt, error, now: Date.now(), random: Math.random() }, this.options);
  }

  /** Any error of an item as a ParafetchError (ours pass through unchanged). */
  #asError(err: unknown, job: DownloadJob): ParafetchError {
    return toTransportError(err, job.url, this.options.timeouts);
  }

  /** Aborted: waiting and not-yet-started items end as `ABORTED`; in-flight ones end by themselves. */
  #onAbort(): void {
    clearTimeout(this.#gateTimer);
    const pending = [...this.#ready, ...this.#waiting.keys()];
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    this.#ready = [];
    for (const entry of pending) {
      this.#active.add(entry);
      void entry.job
        .fail(new AbortedError(entry.job.url, this.#controller.signal.reason), true)
        .then((r) => this.#settle(r))
        .finally(() => {
          this.#active.delete(entry);
          this.#pump();
        });
    }
    this.#wakeFiller?.();
    this.#pump();
  }

  #progress(job: DownloadJob, n: number): void {
    this.#stats.bytes += n;
    if (this.listenerCount('progress') === 0) return;
    const now = Date.now();
    if (now - job.progressAt < this.options.progressIntervalMs) return;
    job.progressAt = now;
    this.#safeEmit('progress', {
      index: job.index,
      url: job.url,
      path: job.finalPath,
      bytes: job.bytes,
      total: job.total,
    });
  }

  #settle(result: DownloadResult): void {
    this.#stats[result.status]++;
    if (result.error) {
      this.#failuresByCode[result.error.code] = (this.#failuresByCode[result.error.code] ?? 0) + 1;
    }
    this.#results?.push(result);
    this.#safeEmit('result', result);
    this.#safeEmit(result.status === 'failed' ? 'fail' : 'finish', result);
  }

  /** A listener that throws is the caller's bug: it surfaces, but never as a download failure. */
  #safeEmit<K extends keyof DownloaderEvents>(event: K, ...args: DownloaderEvents[K]): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

/** Downloads every item; resolves with one result per item, in input order. Never rejects for failed items. */
export async function download(items: ItemSource, options: DownloadOptions = {}): Promise<DownloadResult[]> {
  const downloader = new Downloader(items, options);
  const results: DownloadResult[] = [];
  downloader.on('result', (r) => results.push(r));
  await downloader.run();
  return results.sort((a, b) => a.index - b.index);
}
