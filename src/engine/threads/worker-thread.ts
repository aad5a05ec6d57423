import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Claims } from '../../download/claims.js';
import type { DownloadItem, DownloadResult } from '../../download/item.js';
import { InternalError, WorkerExitedError, type ParafetchError } from '../../errors/index.js';
import type { ByteBudget } from '../../transport/byte-budget.js';
import type { JobHandle } from '../job-handle.js';
import { resultOf } from '../job-handle.js';
import type { NormalizedOptions } from '../options.js';
import type { LendAsk } from './lent-connections.js';
import type { CookieStore } from '../../transport/cookies.js';
import { Outbox } from './outbox.js';
import { grant } from './rate-grants.js';
import type { ThreadData } from './thread.js';
import {
  fromWire,
  resultFromWire,
  toWire,
  type FromWorker,
  type JobNews,
  type ToWorker,
  type WireError,
  type WireResult,
} from './wire.js';

/**
 * A larger first old space for the threads to come: a transfer's socket buffers that outlive a
 * scavenge would otherwise fill V8's small starting old space again and again, each time a full
 * mark-compact. Set once, before the first thread starts (it applies to isolates made after).
 */
let flagsSet = false;
function setThreadFlags(): void {
  if (flagsSet) return;
  flagsSet = true;
  v8.setFlagsFromString('--initial-old-space-size=64');
}

/** Where the worker thread's code is: beside this file, in the build and in the bundle alike. */
const THREAD_FILE = new URL('./thread.js', import.meta.url);

type Reply = { result?: WireResult | undefined; error?: WireError; news: JobNews };

/** A call of a job, before it is numbered. */
type Call = ToWorker extends infer M ? (M extends { call: number } ? Omit<M, 'call'> : never) : never;

/**
 * One worker thread of a run, seen from the run: it starts the thread, carries the calls of
 * its jobs and their answers, answers its questions about the run's destination claims, and
 * when the thread stops unasked, fails every call in flight with WORKER_EXITED (retryable) and
 * lets go of every destination it held.
 */
export class WorkerThread {
  readonly #worker: Worker;
  readonly #claims: Claims;
  readonly #calls = new Map<number, { job: RemoteJob; resolve(r: Reply): void; reject(e: unknown): void }>();
  readonly #jobs = new Map<number, RemoteJob>();
  readonly #holds = new Map<number, () => void>();
  readonly #onBytes: (job: RemoteJob, n: number) => void;
  readonly #onLend: (ask: LendAsk) => void;
  readonly #cookies: CookieStore | undefined;
  readonly #budget: ByteBudget | undefined;
  readonly #outbox = new Outbox<ToWorker>((batch) => this.#worker.postMessage(batch));
  #nextCall = 0;
  #nextHold = 0;
  #alive = true;
  #closing: Promise<void> | undefined;

  constructor(
    options: NormalizedOptions,
    place: { loop: number; loops: number },
    claims: Claims,
    onBytes: (job: RemoteJob, n: number) => void,
    /** `unasked`: it stopped without being closed. */
    onExit: (unasked: boolean) => void,
    onLend: (ask: LendAsk) => void,
    /** The run's cookies, which the thread asks for (see CookieStore). */
    cookies?: CookieStore,
    /** The run's rate limit, whose bytes the thread asks for. */
    budget?: ByteBudget,
  ) {
    this.#onLend = onLend;
    this.#budget = budget;
    this.#claims = claims;
    this.#onBytes = onBytes;
    this.#cookies = cookies;
    const { signal: _signal, cookies: kept, ...rest } = options;
    // The jar stays here: the thread asks this one.
    const plain = { ...rest, cookies: kept && { jar: undefined, save: kept.save } };
    const workerData: ThreadData = { options: plain, ...place };
    setThreadFlags();
    this.#worker = new Worker(THREAD_FILE, { workerData });
    this.#worker.on('message', (batch: FromWorker[]) => {
      for (const m of batch) this.#receive(m);
    });
    const stopped = (cause?: unknown) => {
      if (!this.#alive) return;
      this.#alive = false;
      const error = (job: RemoteJob) => new WorkerExitedError(job.url, cause);
      for (const { job, reject } of this.#calls.values()) reject(error(job));
      this.#calls.clear();
      for (const job of this.#jobs.values()) job.lost = true;
      this.#jobs.clear();
      for (const release of this.#holds.values()) release();
      this.#holds.clear();
      onExit(!this.#closing);
    };
    this.#worker.on('error', stopped);
    this.#worker.on('exit', () => stopped());
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** A job of `item` made on this thread. */
  create(index: number, item: DownloadItem): RemoteJob {
    const job = new RemoteJob(index, item, this);
    this.#jobs.set(index, job);
    return job;
  }

  /** Sends a call of `job`; resolves with the thread's answer. */
  call(job: RemoteJob, message: Call): Promise<Reply> {
    if (!this.#alive) return Promise.reject(new WorkerExitedError(job.url));
    const call = ++this.#nextCall;
    return new Promise<Reply>((resolve, reject) => {
      this.#calls.set(call, { job, resolve, reject });
      this.#post({ ...message, call } as ToWorker);
    });
  }

  /** Lends the thread `n` connections of `origin` (see LentConnections). */
  lend(origin: string, n: number): void {
    this.#post({ type: 'lent', origin, n });
  }

  /** Tells the thread whether a download waits for a connection. */
  setWanted(value: boolean): void {
    if (this.#alive) this.#post({ type: 'wanted', value });
  }

  abort(job: RemoteJob, reason: ParafetchError): void {
    if (this.#alive) this.#post({ type: 'abort', index: job.index, reason: toWire(reason) });
  }

  /** The job is over: the thread has forgotten it too. */
  forget(job: RemoteJob): void {
    this.#jobs.delete(job.index);
  }

  /** Asks the thread to close its connections and stop; stops it anyway after `graceMs`. */
  close(graceMs: number): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#alive) return;
      const closed = new Promise<void>((resolve) => {
        this.#worker.once('exit', () => resolve());
        this.#worker.on(
          'message',
          (batch: FromWorker[]) => batch.some((m) => m.type === 'closed') && resolve(),
        );
      });
      this.#post({ type: 'close' });
      const timer = setTimeout(() => void this.#worker.terminate(), graceMs);
      await closed;
      clearTimeout(timer);
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  /** Stops the thread at once. */
  async destroy(): Promise<void> {
    this.#closing ??= Promise.resolve();
    await this.#worker.terminate();
  }

  /** The thread, for a test that stops it mid-run. */
  get worker(): Worker {
    return this.#worker;
  }

  #post(m: ToWorker): void {
    this.#outbox.post(m);
  }

  #receive(m: FromWorker): void {
    switch (m.type) {
      case 'done': {
        const waiting = this.#calls.get(m.call);
        if (!waiting) return;
        this.#calls.delete(m.call);
        this.#news(m.news);
        waiting.resolve(m);
        return;
      }
      case 'news':
        for (const n of m.news) this.#news(n);
        return;
      case 'claim':
        void this.#answerClaim(m);
        return;
      case 'lend':
        this.#onLend(m);
        return;
      case 'cookie':
        void this.#answerCookie(m);
        return;
      case 'grant':
        grant(this.#budget, m.n, (n) => {
          if (this.#alive) this.#post({ type: 'granted', n });
        });
        return;
      case 'closed':
        return;
    }
  }

  #news(n: JobNews): void {
    const job = this.#jobs.get(n.index);
    if (!job) return;
    job.finalPath = n.finalPath;
    job.bytes = n.bytes;
    job.total = n.total;
    job.attempts = n.attempts;
    if (n.delta) this.#onBytes(job, n.delta);
  }

  async #answerCookie(m: Extract<FromWorker, { type: 'cookie' }>): Promise<void> {
    try {
      const cookies = this.#cookies;
      if (!cookies)
        throw new InternalError('cookies', 'a worker thread asked for cookies the run does not keep');
      const url = new URL(m.url);
      const value =
        m.op === 'cookieHeader' ? await cookies.cookieHeader(url) : await cookies.received(url, m.setCookie);
      if (this.#alive) this.#post({ type: 'claimed', call: m.call, value });
    } catch (err) {
      if (this.#alive) this.#post({ type: 'claimed', call: m.call, error: toWire(err) });
    }
  }

  async #answerClaim(m: Extract<FromWorker, { type: 'claim' }>): Promise<void> {
    const claims = this.#claims;
    if (m.op === 'release') {
      this.#holds.get(m.hold)?.();
      this.#holds.delete(m.hold);
      return;
    }
    const keep = (release: (() => void) | undefined) => {
      if (!release) return undefined;
      const hold = ++this.#nextHold;
      this.#holds.set(hold, release);
      return hold;
    };
    try {
      let value: unknown;
      if (m.op === 'uniqueDerived') value = await claims.uniqueDerived(m.path, m.index, m.source);
      else if (m.op === 'taken') value = await claims.taken(m.path);
      else if (m.op === 'hold') value = keep(await claims.hold(m.path));
      else value = keep(await claims.tryHold(m.path));
      if (this.#alive) this.#post({ type: 'claimed', call: m.call, value });
      else if (typeof value === 'number') this.#holds.get(value)?.();
    } catch (err) {
      if (this.#alive) this.#post({ type: 'claimed', call: m.call, error: toWire(err) });
    }
  }
}

/** A job whose transfers a worker thread makes; what it knows of it comes with each answer. */
export class RemoteJob implements JobHandle {
  readonly index: number;
  readonly item: DownloadItem;
  readonly #thread: WorkerThread;
  readonly #startedAt = Date.now();
  finalPath: string | undefined;
  bytes = 0;
  total: number | undefined;
  attempts = 0;
  /** Its thread stopped: the job is gone with it. */
  lost = false;

  constructor(index: number, item: DownloadItem, thread: WorkerThread) {
    this.index = index;
    this.item = item;
    this.#thread = thread;
  }

  get url(): string {
    return this.item.url;
  }

  async prepare(): Promise<DownloadResult | undefined> {
    return this.#settle(
      await this.#thread.call(this, { type: 'prepare', index: this.index, item: this.item }),
    );
  }

  async attempt(signal: AbortSignal): Promise<DownloadResult> {
    const onAbort = () => this.#thread.abort(this, signal.reason as ParafetchError);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return (await this.#settle(await this.#thread.call(this, { type: 'attempt', index: this.index })))!;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async fail(error: ParafetchError, keepPartial: boolean): Promise<DownloadResult> {
    if (this.lost) return this.result('failed', this.bytes, undefined, error);
    const reply = await this.#thread.call(this, {
      type: 'fail',
      index: this.index,
      error: toWire(error),
      keepPartial,
    });
    return (await this.#settle(reply)) ?? this.result('failed', this.bytes, undefined, error);
  }

  result(status: DownloadResult['status'], bytes: number, sha256?: string, error?: ParafetchError) {
    return resultOf(this, this.#startedAt, status, bytes, sha256, error);
  }

  /** The answer of a call: its result (the job is then over), or its error thrown. */
  async #settle(reply: Reply): Promise<DownloadResult | undefined> {
    if (reply.error) throw fromWire(reply.error);
    if (!reply.result) return undefined;
    this.#thread.forget(this);
    return resultFromWire(reply.result, this.item);
  }
}
