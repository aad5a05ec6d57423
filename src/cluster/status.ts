import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { redisOptions } from './redis-connection.js';
import { readRunRecord, runRecordKey } from './run-record.js';
import { enqueuedKey, QUEUE_PREFIX, type ShardJob } from './shard-job.js';
import { ShardTally, type ShardCounts } from './shard-tally.js';

/** Where a distributed run stands. */
export interface QueueStatus {
  /** Items and shards enqueued (0 before the first enqueue has ended). */
  total: { items: number; shards: number };
  shards: { waiting: number; active: number; done: number; failed: number };
  /** The items of the shards done. */
  items: ShardCounts;
  /** Workers connected to the queue now. */
  workers: number;
  /** Shards that failed for good, with why (a worker's error, after BullMQ's attempts). */
  failedShards: { shard: number; reason: string }[];
  /** Items failed in the finished shards, by error code. */
  failuresByCode: Record<string, number>;
}

/** A look at a run, as often as asked, over one connection. */
export interface StatusReader {
  read(): Promise<QueueStatus>;
  close(): Promise<void>;
}

/** Opens a reader of the queue's counts and the finished shards' tallies. */
export function statusReader(redis: string, queueName: string): StatusReader {
  const connection = new Redis(redisOptions(redis));
  const queue = new Queue<ShardJob>(queueName, { connection, prefix: QUEUE_PREFIX });
  const tally = new ShardTally(connection, queueName);
  return {
    read: async () => {
      const c = await queue.getJobCounts(
        'waiting',
        'prioritized',
        'delayed',
        'active',
        'completed',
        'failed',
      );
      const totals = await tally.totals();
      const workers = (await queue.getWorkers()).length;
      const failed = await queue.getJobs(['failed'], 0, 99, true);
      const enqueued = await connection.hgetall(enqueuedKey(queueName));
      return {
        total: { items: Number(enqueued.items ?? 0), shards: Number(enqueued.shards ?? 0) },
        shards: {
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0),
          active: c.active ?? 0,
          done: c.completed ?? 0,
          failed: c.failed ?? 0,
        },
        items: { ok: totals.ok, skipped: totals.skipped, failed: totals.failed, bytes: totals.bytes },
        workers,
        failedShards: failed.map((j) => ({ shard: j.data.shard, reason: j.failedReason })),
        failuresByCode: totals.failuresByCode,
      };
    },
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** One look at the run. */
export async function queueStatus(redis: string, queueName: string): Promise<QueueStatus> {
  const reader = statusReader(redis, queueName);
  try {
    return await reader.read();
  } finally {
    await reader.close();
  }
}

/** The merged report of a run: every finished shard's report lines, in input order. */
export async function* queueReport(redis: string, queueName: string): AsyncGenerator<string> {
  const connection = new Redis(redisOptions(redis));
  try {
    yield* new ShardTally(connection, queueName).reportLines();
  } finally {
    connection.disconnect();
  }
}

/** The options the queue's run downloads with (stored by `enqueue`); undefined when none was enqueued. */
export async function queueRunOptions(redis: string, queueName: string): Promise<object | undefined> {
  const connection = new Redis(redisOptions(redis));
  try {
    return (await readRunRecord(connection, runRecordKey(queueName)))?.options;
  } finally {
    connection.disconnect();
  }
}
