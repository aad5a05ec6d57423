import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { DownloadItem } from '../download/item.js';
import { toItem } from '../engine/input.js';
import { normalizeOptions, type DownloadOptions } from '../engine/options.js';
import { InvalidOptionError } from '../errors/index.js';
import { redisOptions } from './redis-connection.js';
import { checkRunRecord, runRecordOf, runRecordKey, type RunRecord } from './run-record.js';
import { enqueuedKey, QUEUE_PREFIX, shardJobId, type ShardJob } from './shard-job.js';

export interface EnqueueOptions {
  /** The Redis server (`redis://…`, `rediss://…`, `unix:///…`). */
  redis: string;
  /** The queue's name (default `parafetch`). */
  queue?: string;
  /**
   * Items per job (default 1,000). With WebDataset output each job is one shard, numbered as
   * the job, and the default is the output's `shardItems`.
   */
  shardItems?: number;
  /** The run's options: every worker downloads with them (its own `concurrency` and `workers` aside). */
  run: DownloadOptions;
  /** Shards added to Redis in one round trip (default 50). */
  batch?: number;
}

export interface EnqueueSummary {
  items: number;
  shards: number;
  /** Shards added now; the rest were in the queue already (an earlier enqueue of the same input). */
  added: number;
  /** Redis's `used_memory` after the last batch, in bytes. */
  redisMemory: number;
}

export const ENQUEUE_DEFAULTS = { queue: 'parafetch', shardItems: 1000, batch: 50 } as const;

/**
 * Streams `items` into jobs of `shardItems` items each, added to the queue in batches: memory
 * stays flat whatever the length of the list. A job's id is its shard's number, so enqueueing the
 * same input again adds nothing twice. The run's options are stored with the queue once, and a
 * queue that holds another run's options is refused.
 */
export async function enqueue(
  items: AsyncIterable<DownloadItem | string> | Iterable<DownloadItem | string>,
  o: EnqueueOptions,
): Promise<EnqueueSummary> {
  const queueName = o.queue ?? ENQUEUE_DEFAULTS.queue;
  const batch = o.batch ?? ENQUEUE_DEFAULTS.batch;
  // Every option checked now, before anything is queued; a worker normalizes them again.
  const { output } = normalizeOptions(o.run);
  const shards = output.format === 'webdataset';
  const shardItems = o.shardItems ?? (shards ? output.shardItems : ENQUEUE_DEFAULTS.shardItems);
  if (!Number.isSafeInteger(shardItems) || shardItems < 1) {
    throw new InvalidOptionError('shardItems', 'an integer from 1 and up', shardItems);
  }
  if (shards && output.shardBytes !== undefined) {
    // Each job is one shard, numbered as the job: a shard may not end early.
    throw new InvalidOptionError(
      'output.shardBytes',
      'no byte limit for a run over many machines (each job is one shard of shardItems items)',
      output.shardBytes,
    );
  }
  if (output.part !== undefined) {
    throw new InvalidOptionError('output.part', 'no part: each worker sets it for its job', output.part);
  }
  const record: RunRecord = runRecordOf(o.run, shardItems);
  const connection = new Redis(redisOptions(o.redis));
  const queue = new Queue<ShardJob>(queueName, { connection, prefix: QUEUE_PREFIX });
  const summary: EnqueueSummary = { items: 0, shards: 0, added: 0, redisMemory: 0 };
  try {
    await checkRunRecord(connection, runRecordKey(queueName), record);
    let pending: ShardJob[] = [];
    let shard: DownloadItem[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      summary.added += await addNew(connection, queue, pending);
      pending = [];
    };
    const close = () => {
      if (shard.length === 0) return;
      pending.push({ shard: summary.shards, first: summary.items - shard.length, items: shard });
      summary.shards++;
      shard = [];
    };
    for await (const value of items) {
      shard.push(toItem(value));
      summary.items++;
      if (shard.length === shardItems) close();
      if (pending.length >= batch) await flush();
    }
    close();
    await flush();
    // What status counts the run's progress against.
    await connection.hset(enqueuedKey(queueName), { items: summary.items, shards: summary.shards });
    summary.redisMemory = usedMemory(await connection.info('memory'));
  } finally {
    await queue.close();
    connection.disconnect();
  }
  return summary;
}

/** Adds the jobs not in the queue yet; returns how many. */
async function addNew(connection: Redis, queue: Queue<ShardJob>, jobs: ShardJob[]): Promise<number> {
  const pipeline = connection.pipeline();
  for (const j of jobs) pipeline.exists(queue.toKey(shardJobId(j.shard)));
  const found = (await pipeline.exec()) ?? [];
  const fresh = jobs.filter((_, i) => found[i]?.[1] !== 1);
  if (fresh.length === 0) return 0;
  await queue.addBulk(
    fresh.map((data) => ({
      name: 'shard',
      data,
      opts: {
        jobId: shardJobId(data.shard),
        // A shard is tried again when its worker fails as a whole; its items have retries of their own.
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    })),
  );
  return fresh.length;
}

function usedMemory(info: string): number {
  const m = /^used_memory:(\d+)/m.exec(info);
  return m ? Number(m[1]) : 0;
}
