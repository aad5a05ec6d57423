import path from 'node:path';
import { DestinationClaims, type Claims } from '../download/claims.js';
import type { DownloadItem, DownloadResult } from '../download/item.js';
import { createJob } from '../download/create-job.js';
import type { JobContext } from '../download/job.js';
import type { Store } from '../storage/store.js';
import type { ParafetchError } from '../errors/index.js';
import type { HttpClient } from '../transport/client.js';
import { resultOf, type JobHandle } from './job-handle.js';
import type { RunSizes } from './events.js';
import type { NormalizedOptions } from './options.js';
import { derivesName, NamingOrder } from './naming-order.js';
import { ItemClock } from './item-clock.js';
import { jobContext } from './run-context.js';
import type { SpareConnections } from '../download/job-context.js';
import { Lending } from './threads/lending.js';
import { hostShare } from './threads/share.js';
import { WorkerThread } from './threads/worker-thread.js';

/** An event loop that makes transfers: this thread's, or a worker thread's. */
interface Loop {
  /** Its place among the run's loops (0: this thread). */
  readonly id: number;
  /** Its worker thread; undefined for this thread. */
  thread: WorkerThread | undefined;
  /** Items placed on it and running now, in all and per origin. */
  running: number;
  readonly hosts: Map<string, number>;
}

/**
 * The loops a run makes transfers on: no more than it has files at once; one for shards, whose
 * writer takes every item's bytes on this thread.
 */
function loopCount(options: NormalizedOptions): number {
  if (options.output.format === 'webdataset') return 1;
  return Math.max(1, Math.min(options.workers, options.concurrency));
}

/** How many worker threads a run may lose before it goes on with fewer. */
const RESTARTS = 8;

/**
 * The event loops that make a run's transfers: this thread's, and `workers - 1` worker
 * threads, each started when first given an item. Each item is placed on the loop with the fewest
 * running items that has room for its origin, and stays there across attempts; each loop
 * holds its share of an origin's connections (see hostShare), so the per-host limit holds
 * across all of them. Destination claims are kept here, one set for the run.
 */
export class Loops {
  /** Hands out derived names in order across loops; one loop asks in that order anyway. */
  readonly #naming: NamingOrder | undefined;
  readonly #claims: Claims;
  readonly ctx: JobContext;
  readonly #options: NormalizedOptions;
  readonly #loops: Loop[];
  readonly #wanted: number;
  readonly #placed = new Map<number, PlacedJob>();
  readonly #progress: (job: JobHandle, n: number) => void;
  #restarts = 0;
  #lending: Lending | undefined;

  constructor(
    options: NormalizedOptions,
    client: HttpClient,
    progress: (job: JobHandle, n: number) => void,
    store?: Store,
  ) {
    this.#options = options;
    this.#progress = progress;
    this.#wanted = loopCount(options);
    const claims = new DestinationClaims();
    this.#naming = this.#wanted > 1 ? new NamingOrder(claims) : undefined;
    this.#claims = this.#naming?.claims ?? claims;
    this.ctx = jobContext(
      options,
      client,
      this.#claims,
      (job, n) => {
        const placed = this.#placed.get(job.index);
        if (placed) progress(placed, n);
      },
      store,
    );
    // Every loop from the start; a worker thread is started when first given an item.
    this.#loops = Array.from({ length: this.#wanted }, (_, id) => ({
      id,
      thread: undefined,
      running: 0,
      hosts: new Map(),
    }));
  }

  /**
   * The run's idle connections: the calling thread's downloads borrow from `lender` directly,
   * the worker threads' through a Lending. `changed`: a thread asked for connections.
   */
  lendFrom(lender: SpareConnections, changed: () => void): void {
    this.ctx.connections = lender;
    if (this.#wanted === 1) return;
    this.#lending = new Lending(
      lender,
      (id, origin) => this.#share(this.#loops[id]!, origin) - (this.#loops[id]!.hosts.get(origin) ?? 0),
      changed,
    );
  }

  /** After admission: lends idle connections to the worker threads that asked. */
  offer(): void {
    this.#lending?.offer();
  }

  /** Connections this thread's client may open to `origin` (its share). */
  static shareOfMain(options: NormalizedOptions): ((origin: string) => number) | undefined {
    const loops = loopCount(options);
    return loops > 1 ? (origin) => hostShare(options.perHost, loops, 0, origin) : undefined;
  }

  /** A job for `item`, placed on a loop when it is first let in (see `place`). */
  job(index: number, item: DownloadItem): PlacedJob {
    return new PlacedJob(index, item);
  }

  /** Whether `job`'s next attempt, to `host`, may start now on a loop with room for it. */
  fits(job: PlacedJob, host: string): boolean {
    // One loop: its share is the whole of perHost, which the HostGate already holds.
    if (this.#wanted === 1) return true;
    const own = job.loop;
    if (own && !job.lost) return (own.hosts.get(host) ?? 0) < Math.max(1, this.#share(own, host));
    return this.#loops.some((l) => this.#usable(l) && this.#hasRoom(l, host));
  }

  /** Places `job` (when not yet, or its loop is gone) and counts its attempt until `leave` is called. */
  enter(job: PlacedJob, host: string): () => void {
    if (!job.loop || job.lost) this.#bind(job, host);
    const naming = this.#naming;
    if (naming && !job.prepared && derivesName(job.item, this.#options.contentDisposition)) {
      naming.expect(job.index);
      job.onPrepared = () => naming.done(job.index);
    }
    const loop = job.loop!;
    loop.running++;
    loop.hosts.set(host, (loop.hosts.get(host) ?? 0) + 1);
    job.resume(Date.now());
    return () => {
      job.pause(Date.now());
      loop.running--;
      const n = loop.hosts.get(host)! - 1;
      if (n) loop.hosts.set(host, n);
      else loop.hosts.delete(host);
    };
  }

  /** The sizes of the items started and not ended (see RunSizes), from what their jobs know now. */
  startedSizes(): Omit<RunSizes, 'complete' | 'completeBytes' | 'endedBytes'> {
    const sizes = { sized: 0, sizedTotal: 0, sizedBytes: 0, unsized: 0, unsizedBytes: 0 };
    for (const job of this.#placed.values()) {
      const { total, bytes } = job;
      if (total === undefined) {
        sizes.unsized++;
        sizes.unsizedBytes += bytes;
      } else {
        sizes.sized++;
        sizes.sizedTotal += total;
        sizes.sizedBytes += Math.min(bytes, total);
      }
    }
    return sizes;
  }

  /** Lets the worker threads close their connections and stop. */
  async close(): Promise<void> {
    await Promise.all(this.#loops.map((l) => l.thread?.close(2000)));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.#loops.map((l) => l.thread?.destroy()));
  }

  /** The worker threads, for a test that stops one mid-run. */
  get threads(): WorkerThread[] {
    return this.#loops.flatMap((l) => (l.thread ? [l.thread] : []));
  }

  #share(loop: Loop, host: string): number {
    return hostShare(this.#options.perHost, this.#wanted, loop.id, host);
  }

  #hasRoom(loop: Loop, host: string): boolean {
    return (loop.hosts.get(host) ?? 0) < this.#share(loop, host);
  }

  /** This thread's loop, a worker thread not started yet, or one that runs. */
  #usable(loop: Loop): boolean {
    return loop.id === 0 || !loop.thread || loop.thread.alive;
  }

  #bind(job: PlacedJob, host: string): void {
    let best: Loop | undefined;
    for (const l of this.#loops) {
      if (!this.#usable(l) || !this.#hasRoom(l, host)) continue;
      if (!best || l.running < best.running) best = l;
    }
    // A retry whose loop is gone, to an origin no loop has room for now, goes to this thread.
    best ??= this.#loops[0]!;
    if (best.id > 0 && !best.thread) this.#spawn(best);
    job.bindTo(best, this.#create(best, job));
    this.#placed.set(job.index, job);
    job.onSettled = () => this.#placed.delete(job.index);
  }

  #create(loop: Loop, job: PlacedJob): JobHandle {
    // A job that lost its loop keeps the destination it had.
    const item =
      job.finalPath === undefined ? job.item : { ...job.item, path: this.#relative(job.finalPath) };
    return loop.thread ? loop.thread.create(job.index, item) : createJob(job.index, item, this.ctx);
  }

  /** A destination as a path relative to the run's folder or store. */
  #relative(location: string): string {
    const root = this.ctx.store?.locate('');
    return root !== undefined && location.startsWith(root)
      ? location.slice(root.length)
      : path.relative(this.#options.dir, location);
  }

  #spawn(loop: Loop): void {
    loop.thread = new WorkerThread(
      this.#options,
      { loop: loop.id, loops: this.#wanted },
      this.#claims,
      (job, n) => {
        const placed = this.#placed.get(job.index);
        if (placed) this.#progress(placed, n);
      },
      (unasked) => {
        this.#lending?.remove(loop.id);
        if (unasked && this.#restarts++ < RESTARTS) this.#spawn(loop);
      },
      (ask) => this.#lending?.heard(loop.id, ask),
      this.ctx.cookies,
      this.ctx.client.budget,
    );
    this.#lending?.add(loop.id, loop.thread);
  }
}

/**
 * One item's job as the run sees it: created when the item is read, made on the loop it is
 * placed on when first let in, and made again elsewhere (at the same destination) when that
 * loop's thread stops.
 */
export class PlacedJob implements JobHandle {
  readonly index: number;
  readonly item: DownloadItem;
  /** When it was read, and where its time went since. */
  readonly clock = new ItemClock(Date.now());
  /** When the last progress event of this job went out (kept by the engine). */
  progressAt = 0;
  loop: Loop | undefined;
  onSettled: (() => void) | undefined;
  /** Once `prepare` is over, however it went. */
  onPrepared: (() => void) | undefined;
  #inner: JobHandle | undefined;
  #prepared = false;
  #finalPath: string | undefined;
  #attempts = 0;

  constructor(index: number, item: DownloadItem) {
    this.index = index;
    this.item = item;
  }

  get url(): string {
    return this.item.url;
  }
  get finalPath(): string | undefined {
    return this.#inner?.finalPath ?? this.#finalPath;
  }
  get bytes(): number {
    return this.#inner?.bytes ?? 0;
  }
  get total(): number | undefined {
    return this.#inner?.total;
  }
  get attempts(): number {
    return this.#attempts + (this.#inner?.attempts ?? 0);
  }
  /** Whether its job went with a worker thread that stopped. */
  get lost(): boolean {
    return (this.#inner as { lost?: boolean } | undefined)?.lost === true;
  }
  /** Whether the destination is decided (else `prepare` comes first). */
  get prepared(): boolean {
    return this.#prepared && !this.lost;
  }

  /** It starts, or starts again after a wait: from `now` its time is work, not waiting. */
  resume(now: number): void {
    this.clock.resume(now);
  }

  /** It waits again (for a retry), or has ended. */
  pause(now: number): void {
    this.clock.pause(now);
  }

  /** A retry of it waits `ms` because the server asked so (Retry-After). */
  honoured(ms: number): void {
    this.clock.honoured(ms);
  }

  bindTo(loop: Loop, inner: JobHandle): void {
    if (this.#inner) {
      this.#finalPath = this.#inner.finalPath;
      this.#attempts += this.#inner.attempts;
    }
    this.loop = loop;
    this.#inner = inner;
    this.#prepared = false;
  }

  async prepare(): Promise<DownloadResult | undefined> {
    // Counted as prepared from here: a failed prepare may have decided the destination.
    this.#prepared = true;
    try {
      const r = await this.#inner!.prepare();
      return r && this.#own(r);
    } finally {
      this.onPrepared?.();
    }
  }

  async attempt(signal: AbortSignal): Promise<DownloadResult> {
    return this.#own(await this.#inner!.attempt(signal));
  }

  async fail(error: ParafetchError, keepPartial: boolean): Promise<DownloadResult> {
    // Never prepared: nothing of it is on disk, nothing is held.
    if (!this.#inner || !this.#prepared)
      return this.#own(this.result('failed', this.bytes, undefined, error));
    return this.#own(await this.#inner.fail(error, keepPartial));
  }

  result(status: DownloadResult['status'], bytes: number, sha256?: string, error?: ParafetchError) {
    return {
      ...resultOf(this, this.clock.readAt, status, bytes, sha256, error),
      ...this.clock.times(Date.now()),
    };
  }

  /** A result of this job as the item was given, with the time it worked and the time it waited. */
  #own(r: DownloadResult): DownloadResult {
    this.onPrepared?.();
    this.onSettled?.();
    return { ...r, item: this.item, attempts: this.attempts, ...this.clock.times(Date.now()) };
  }
}
