import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { redisOptions } from './redis-connection.js';
import { QUEUE_PREFIX, type ShardJob } from './shard-job.js';
import { ShardTally, type ShardCounts } from './shard-tally.js';

/** Where a distributed run stands. */
export interface QueueStatus {
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

/** Reads the queue's counts and the finished shards' tallies. */
export async function queueStatus(redis: string, queueName: string): Promise<QueueStatus> {
  const connection = new Redis(redisOptions(redis));
  const queue = new Queue<ShardJob>(queueName, { connection, prefix: QUEUE_PREFIX });
  try {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const totals = await new ShardTally(connection, queueName).totals();
    const workers = (await queue.getWorkers()).length;
    const failed = await queue.getJobs(['failed'], 0, 99, true);
    return {
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
  } finally {
    await queue.close();
    connection.disconnect();
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
