import { hostname } from 'node:os';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { DownloadResult } from '../download/item.js';
import { buildClientWith, Downloader } from '../engine/downloader.js';
import { HttpClient } from '../transport/client.js';
import type { HostLease } from '../transport/host-lease.js';
import { RedisHostLeases } from './host-leases.js';
import { InvalidOptionError } from '../errors/index.js';
import { ENQUEUE_DEFAULTS } from './enqueue.js';
import { redactRedisUrl, redisOptions } from './redis-connection.js';
import { readRunRecord, runRecordKey, type RunRecord } from './run-record.js';
import { QUEUE_PREFIX, type ShardJob } from './shard-job.js';
import { ShardTally, type ShardCounts } from './shard-tally.js';
import { jsonLine } from '../render/printable.js';
import { reportRecord, reportRoot } from '../render/report.js';

export interface WorkerOptions {
  redis: string;
  /** The queue's name (default `parafetch`). */
  queue?: string;
  /** Files downloading at once on this worker (default 16). */
  concurrency?: number;
  /**
   * Event loops making this worker's transfers (see the `workers` download option). A run with
   * a per-host limit (`perHost`), held across machines by a lease per request, has one: start
   * more worker processes to use more cores.
   */
  workers?: number;
  /** Stops once no shard waits and none is being worked on (default false: waits for more). */
  exitWhenEmpty?: boolean;
  /** Stops the worker: the shard in hand is finished first (or handed back when it cannot be). */
  signal?: AbortSignal;
  /**
   * How long this worker's hold on its shard lasts unless renewed, in ms (default 30 000): a
   * worker that dies loses its shard to another at most about twice this later.
   */
  leaseMs?: number;
  /** Errors of the connection to Redis, which the worker rides out (reconnecting); default: ignored. */
  onError?: (err: Error) => void;
  /** Called once the run is known, before the first shard: whether its requests take leases. */
  onStart?: (run: { leased: boolean }) => void;
  /** This worker's name in the report lines it writes (`worker`); default `HOSTNAME:PID`. */
  id?: string;
  /** Called with every item's result, as the worker's run gives them. */
  onResult?: (result: DownloadResult, shard: number) => void;
}

/** What one worker did until it stopped. */
export interface WorkerSummary extends ShardCounts {
  shards: number;
}

export const DEFAULT_LEASE_MS = 30_000;

/** How long a worker waits before taking shards again after its loop gave up (Redis away). */
const RESTART_MS = 500;

/** How often a worker with `exitWhenEmpty` asks whether the queue is done. */
const EMPTY_POLL_MS = 500;

/**
 * Takes shards from the queue one at a time and downloads each with the run's options (stored
 * by `enqueue`) and this worker's own concurrency. BullMQ holds the lease on the shard in hand:
 * a worker that dies loses it, and the shard goes to another worker, which skips the items
 * already complete in the destination. Resolves once stopped (its signal, or an empty queue).
 */
export async function runWorker(o: WorkerOptions): Promise<WorkerSummary> {
  const queueName = o.queue ?? ENQUEUE_DEFAULTS.queue;
  const id = o.id ?? workerId();
  const connection = new Redis(redisOptions(o.redis));
  // The worker's own: BullMQ blocks on it while it waits for a shard.
  const workerConnection = new Redis(redisOptions(o.redis));
  const summary: WorkerSummary = { shards: 0, ok: 0, skipped: 0, failed: 0, bytes: 0 };
  let worker: Worker<ShardJob> | undefined;
  let queue: Queue<ShardJob> | undefined;
  try {
    const record = await readRunRecord(connection, runRecordKey(queueName));
    if (!record) {
      throw new InvalidOptionError(
        'queue',
        `a queue something was enqueued to (${redactRedisUrl(o.redis)} holds no run named ${queueName})`,
        queueName,
      );
    }
    const tally = new ShardTally(connection, queueName);
    const perHost = record.options.perHost;
    const leases =
      perHost === undefined
        ? undefined
        : new RedisHostLeases(connection, queueName, perHost, o.leaseMs ?? DEFAULT_LEASE_MS);
    o.onStart?.({ leased: leases !== undefined });
    worker = new Worker<ShardJob>(
      queueName,
      async (job, _token, signal) => {
        const { counts, lines } = await downloadShard(job, record, o, signal, leases, id);
        await tally.add(job.data.shard, counts, lines);
        summary.shards++;
        for (const k of ['ok', 'skipped', 'failed', 'bytes'] as const) summary[k] += counts[k];
        return counts;
      },
      {
        connection: workerConnection,
        prefix: QUEUE_PREFIX,
        concurrency: 1,
        autorun: false,
        lockDuration: o.leaseMs ?? DEFAULT_LEASE_MS,
        // Shards of dead workers are looked for as often as a lease lasts.
        stalledInterval: o.leaseMs ?? DEFAULT_LEASE_MS,
      },
    );
    const w = worker;
    // Redis away (restarting, unreachable for a while) is not an end: BullMQ's loop is started
    // again once it gives up, until the worker is told to stop.
    w.on('error', (err) => o.onError?.(err));
    // A hold that could not be renewed may be another worker's now: this one stops writing
    // the shard (its uploads are dropped), rather than race the new holder for its names.
    w.on('lockRenewalFailed', (ids) => {
      for (const id of ids) w.cancelJob(id, 'its hold on the shard was lost');
    });
    let stopping = false;
    const running = (async () => {
      while (!stopping) {
        await w.run().catch((err: unknown) => o.onError?.(err as Error));
        if (!stopping) await new Promise((r) => setTimeout(r, RESTART_MS));
      }
    })();
    queue = new Queue<ShardJob>(queueName, { connection, prefix: QUEUE_PREFIX });
    queue.on('error', (err) => o.onError?.(err));
    await stopWhen(o, queue);
    stopping = true;
    await worker.close();
    await running;
  } finally {
    await worker?.close().catch(() => {});
    await queue?.close().catch(() => {});
    connection.disconnect();
    workerConnection.disconnect();
  }
  return summary;
}

/** A worker process's name: its host and process id. */
export function workerId(): string {
  return `${hostname()}:${process.pid}`;
}

/** Resolves when the worker should stop: its signal, or an empty queue with nothing in hand. */
async function stopWhen(o: WorkerOptions, queue: Queue<ShardJob>): Promise<void> {
  const signal = o.signal;
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
    if (!o.exitWhenEmpty) return;
    const poll = async () => {
      try {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const left = (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
        if (left === 0) return resolve();
      } catch {
        // Redis away (restarting): ask again once it is back; the queue is not empty for that.
      }
      if (!signal?.aborted) setTimeout(() => void poll(), EMPTY_POLL_MS);
    };
    void poll();
  });
}

/** One shard's items, downloaded with the run's options: its counts and report lines, in input order. */
async function downloadShard(
  job: Job<ShardJob>,
  record: RunRecord,
  o: WorkerOptions,
  signal: AbortSignal | undefined,
  leases: HostLease | undefined,
  id: string,
): Promise<{ counts: ShardCounts; lines: string[] }> {
  const { shard, first, items } = job.data;
  const output = record.options.output;
  const downloader = new Downloader(items, {
    ...record.options,
    // Shards: the job's items are one shard, named after the job, keyed by their input positions.
    ...(output?.format === 'webdataset' ? { output: { ...output, part: { shard, index: first } } } : {}),
    ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
    // Every request of a leased run goes through this thread's client, which takes the leases.
    ...(leases ? { workers: 1 } : o.workers === undefined ? {} : { workers: o.workers }),
    ...(signal ? { signal } : {}),
  });
  if (leases) buildClientWith(downloader, (options) => new HttpClient({ ...options, hostLease: leases }));
  const counts: ShardCounts = { ok: 0, skipped: 0, failed: 0, bytes: 0 };
  const dir = reportRoot(record.options.dir ?? '.');
  const lines: string[] = new Array<string>(items.length);
  for await (const r of downloader) {
    if (r.status === 'cancelled') continue;
    counts[r.status]++;
    if (r.status !== 'failed') counts.bytes += r.bytes;
    else if (r.error) {
      const byCode = (counts.failuresByCode ??= {});
      byCode[r.error.code] = (byCode[r.error.code] ?? 0) + 1;
    }
    lines[r.index] = jsonLine(reportRecord(r, dir, id));
    o.onResult?.({ ...r, index: first + r.index }, shard);
  }
  if (signal?.aborted) throw new Error(`shard ${shard} was stopped before its end`);
  return { counts, lines: lines.filter((l) => l !== undefined) };
}
