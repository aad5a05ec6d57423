import { EventEmitter, setMaxListeners } from 'node:events';
import { AbortedError, InvalidOptionError, type ParafetchError } from '../errors/index.js';
import type { DownloadItem, DownloadResult } from '../download/item.js';
import type { JobContext } from '../download/job.js';
import { HttpClient } from '../transport/client.js';
import { saveRunCookies } from './auth-options.js';
import { Admission } from './admission.js';
import { ConnectionLender } from './connection-lender.js';
import { checkFolder } from './error-kind.js';
import { drive, failUnexpectedly, type DriveContext, type Entry } from './item-driver.js';
import type { DownloaderEvents, RunStats, RunSummary } from './events.js';
import { HostGate, hostKey } from './host-gate.js';
import { readItems, toItem, type ItemSource } from './input.js';
import { Loops, type PlacedJob } from './loops.js';
import { RunOutput } from './run-output.js';
import { normalizeOptions, type DownloadOptions, type NormalizedOptions } from './options.js';
import { AsyncQueue } from './result-queue.js';
import { answersWholeInput, clientFactoryOf, noteLoops } from './run-hooks.js';
import { Tally } from './tally.js';

export type { ItemSource } from './input.js';

export { answerWholeInput, buildClientWith, workerThreadsOf, type ClientFactory } from './run-hooks.js';

/**
 * Downloads a stream of items: at most `concurrency` at once and `perHost` per origin (fewer
 * while an origin refuses, see HostGate), retrying transient failures with backoff and going
 * on to an item's mirrors. Reads the input lazily (a bounded look-ahead), so the length of the
 * list costs no memory. Emits typed events, and can be iterated for results as they finish.
 *
 * Every item read from the input gets exactly one result. After an abort nothing new starts,
 * in-flight requests are cancelled, and every unfinished item read so far ends `cancelled`; the
 * input is not read further (it may be endless), so items not yet read get no result.
 */
export class Downloader extends EventEmitter<DownloaderEvents> {
  readonly options: NormalizedOptions;
  readonly #source: ItemSource;
  readonly #controller = new AbortController();
  readonly #gate: HostGate;
  readonly #lookahead: number;
  readonly #tally = new Tally();
  #running: Promise<RunSummary> | undefined;
  #results: AsyncQueue<DownloadResult> | undefined;
  #ctx: JobContext | undefined;
  #loops: Loops | undefined;
  /** Where bytes go when not the local folder's files; results pass through it when it keeps input order. */
  #output: RunOutput | undefined;
  /** Why no item can be written (the download folder cannot be used), found before any request. */
  #root: Promise<ParafetchError | undefined> | undefined;
  readonly #admission: Admission<Entry>;
  readonly #lender: ConnectionLender;
  #inputDone = false;
  #expected: number | undefined;
  #inputError: unknown;
  #nextIndex = 0;
  #wakeReader: (() => void) | undefined;
  #finish: (() => void) | undefined;
  readonly #driving: DriveContext;

  constructor(items: ItemSource, options: DownloadOptions = {}) {
    super();
    this.options = normalizeOptions(options);
    this.#source = items;
    const { baseMs, maxMs, factor } = this.options.backoff;
    this.#gate = new HostGate(this.options.perHost, { baseMs, maxMs, factor });
    this.#lender = new ConnectionLender({
      concurrency: this.options.concurrency,
      gate: this.#gate,
      running: () => this.#admission.running,
      waiting: (may) => this.#admission.backlog.some((e) => may(e.host)),
      changed: () => this.#pump(),
    });
    this.#admission = new Admission<Entry>({
      concurrency: this.options.concurrency,
      lent: () => this.#lender.lent,
      gate: this.#gate,
      fits: (entry) =>
        (this.#output?.ordered?.admits(entry.job.index, this.#lookahead) ?? true) &&
        this.#loops!.fits(entry.job, entry.host),
      run: (entry) => {
        const leave = this.#loops!.enter(entry.job, entry.host);
        return drive(entry, this.#driving)
          .catch((err: unknown) => failUnexpectedly(entry, err, this.#driving))
          .finally(leave);
      },
      changed: () => this.#pump(),
    });
    this.#lookahead = Math.max(256, this.options.concurrency * 4);
    this.#driving = {
      options: this.options,
      signal: this.#controller.signal,
      gate: this.#gate,
      admission: this.#admission,
      // The download folder, checked once before the first request (a store checks its own).
      rootProblem: () =>
        this.options.remote
          ? Promise.resolve(undefined)
          : (this.#root ??= checkFolder(this.#ctx!.guard, this.options.dir)),
      settle: (result, entry) => this.#settle(result, entry),
      emit: (event, ...args) => this.#safeEmit(event, ...args),
    };
  }

  /**
   * Runs the whole list once; resolves with the summary (never rejects for failed items). Rejects
   * when the input cannot be read (after the items read before are answered) or the run cannot
   * start at all; an iterator of the results then throws the same error.
   */
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
    return this.#tally.stats(
      {
        active: this.#admission.running,
        queued: this.#admission.backlog.size,
        inputDone: this.#inputDone,
        expected: this.#expected,
      },
      this.#loops?.startedSizes() ?? { sized: 0, sizedTotal: 0, sizedBytes: 0, unsized: 0, unsizedBytes: 0 },
    );
  }

  /**
   * Tells the run how many items its input holds, counted apart before the input is read to its
   * end (see `countItems`), so that a progress display knows the total early. It changes nothing
   * of what is downloaded; `stats().expected` says it until the input has been read.
   */
  expectItems(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new InvalidOptionError('expectItems', 'an integer from 0 and up', count);
    }
    this.#expected = count;
  }

  /**
   * Results as items finish. Starts the run; iterate before calling `run()` to see them all.
   * Leaving the loop early (`break`, `return`, a throw) aborts the run and waits for it to stop.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<DownloadResult> {
    if (this.#running && !this.#results) {
      throw new Error('Iterate a Downloader before calling run(), or no result would be missed');
    }
    // A consumer that fell behind holds new work back (see #pump); taking a result lets it go on.
    this.#results ??= new AsyncQueue<DownloadResult>({
      onTake: () => this.#pump(),
      onReturn: async () => {
        this.abort(new Error('the results were no longer read'));
        await this.run().catch(() => {});
      },
    });
    void this.run().catch(() => {});
    return this.#results;
  }

  async #run(): Promise<RunSummary> {
    const { options } = this;
    const signal = this.#controller.signal;
    // Every request in flight listens to this one signal.
    setMaxListeners(0, signal);
    signal.addEventListener('abort', () => this.#onAbort(), { once: true });
    const outer = options.signal;
    const onOuterAbort = () => this.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    let client: HttpClient | undefined;
    try {
      const connectionsFor = Loops.shareOfMain(options);
      client = (clientFactoryOf(this) ?? ((o) => new HttpClient({ ...o, connectionsFor })))(options);
      const output = await RunOutput.open(options, {
        emit: (r) => {
          this.#emitResult(r);
          this.#pump();
        },
        stop: (err) => this.abort(err),
        aborted: () => signal.aborted,
        placed: () => this.#pump(),
      });
      this.#output = output;
      this.#loops = new Loops(options, client, (job, n) => this.#progress(job as PlacedJob, n), output.store);
      noteLoops(this, this.#loops);
      this.#loops.lendFrom(this.#lender, () => this.#pump());
      this.#ctx = this.#loops.ctx;
      this.#tally.startedAt = Date.now();
      const drained = new Promise<void>((resolve) => (this.#finish = resolve));
      void this.#read();
      await drained;
    } catch (err) {
      // Nothing may leave a run, or a reader of its results, pending: the run fails as a whole.
      this.abort(err);
      this.#results?.close({ reason: err });
      throw err;
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
      this.#admission.stop();
      await (signal.aborted ? this.#loops?.destroy() : this.#loops?.close())?.catch(() => {});
      await (signal.aborted ? client?.destroy() : client?.close())?.catch(() => {});
      if (signal.aborted) await this.#output?.end(true);
    }
    // What the store holds is whole only once it is closed (the last shard): a failure fails the run.
    const storeFailure = signal.aborted ? undefined : await this.#output?.end(false);
    // Stopped or not, the cookies received so far are saved (as curl writes its jar at exit).
    const cookieFailure = await saveRunCookies(this.options.cookies);
    const failure = this.#inputError ?? storeFailure ?? cookieFailure;
    const summary = this.#tally.summary(signal.aborted, Date.now());
    this.#results?.close(failure === undefined ? undefined : { reason: failure });
    this.#safeEmit('end', summary);
    if (failure !== undefined) throw failure;
    return summary;
  }

  /** Reads the input into the look-ahead buffer, never more than it holds. */
  async #read(): Promise<void> {
    const signal = this.#controller.signal;
    try {
      await readItems(this.#source, {
        enqueue: (value) => this.#enqueue(value),
        // After an abort, `download()` reads on to answer every item; a Downloader stops.
        stop: () => signal.aborted && !answersWholeInput(this),
        // An abort also ends a wait for the input's next value (stdin, a queue that waits).
        signal: answersWholeInput(this) ? undefined : signal,
        room: () => signal.aborted || this.#admission.backlog.ready < this.#lookahead,
        waitForRoom: () => new Promise<void>((resolve) => (this.#wakeReader = resolve)),
      });
    } catch (err) {
      this.#inputError = err;
    } finally {
      this.#inputDone = true;
      this.#pump();
    }
  }

  #enqueue(value: DownloadItem | string): void {
    const item = toItem(value);
    const job = this.#loops!.job(this.#nextIndex++, item);
    const signal = this.#controller.signal;
    if (signal.aborted) {
      // Read after the abort: answered at once, without a request.
      this.#settle(job.result('cancelled', 0, undefined, new AbortedError(item.url, signal.reason)));
      return;
    }
    this.#admission.backlog.push({
      job,
      item,
      attempts: 0,
      skips: 0,
      host: hostKey(item.url),
      sentAt: 0,
      notHere: [],
      started: false,
      settled: false,
    });
    this.#pump();
  }

  /** Starts what may start; wakes the reader; notices the end. */
  #pump(): void {
    const signal = this.#controller.signal;
    const { backlog } = this.#admission;
    const backedUp = this.#results !== undefined && this.#results.size > this.#lookahead;
    if (!signal.aborted && !backedUp) {
      this.#admission.admit(Date.now());
      this.#lender.offer();
      this.#loops?.offer();
    }
    if ((signal.aborted || backlog.ready < this.#lookahead) && this.#wakeReader) {
      const wake = this.#wakeReader;
      this.#wakeReader = undefined;
      wake();
    }
    if (this.#inputDone && !backlog.size && !this.#admission.running && !this.#output?.ordered?.pending) {
      this.#finish?.();
    }
  }

  /** Aborted: waiting and not-yet-started items end `cancelled`; in-flight ones end by themselves. */
  #onAbort(): void {
    const { reason } = this.#controller.signal;
    for (const entry of this.#admission.stop()) {
      const { job } = entry;
      this.#admission.hold(
        entry,
        job
          .fail(new AbortedError(job.url, reason), true)
          .then((r) => this.#settle(r, entry))
          .catch((err: unknown) => failUnexpectedly(entry, err, this.#driving)),
      );
    }
    this.#pump();
  }

  #progress(job: PlacedJob, n: number): void {
    this.#tally.bytes += n;
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

  /** Counts and hands out one item's result, once; an abort's ABORTED is `cancelled`, not failed. */
  #settle(result: DownloadResult, entry?: Entry): void {
    if (entry) {
      if (entry.settled) return;
      entry.settled = true;
    }
    if (result.status === 'failed' && result.error?.code === 'ABORTED' && this.#controller.signal.aborted) {
      result.status = 'cancelled';
    }
    const ordered = this.#output?.ordered;
    if (ordered) ordered.add(result);
    else this.#emitResult(result);
  }

  /** Counts a result and hands it out. */
  #emitResult(result: DownloadResult): void {
    this.#tally.add(result);
    this.#results?.push(result);
    this.#safeEmit('result', result);
    const event = result.status === 'failed' ? 'fail' : result.status === 'cancelled' ? 'cancel' : 'finish';
    this.#safeEmit(event, result);
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
