import type { DownloadItem } from '../download/item.js';

/** Every key parafetch's queues keep in Redis starts with this. */
export const QUEUE_PREFIX = 'parafetch';

/** One job of a distributed run: a shard of consecutive items of the input. */
export interface ShardJob {
  /** The shard's number, from 0. */
  shard: number;
  /** The input position of its first item. */
  first: number;
  items: DownloadItem[];
}

/** The job id of shard `n`: the same shard of the same input is the same job. Pure. */
export function shardJobId(n: number): string {
  return `shard-${String(n).padStart(6, '0')}`;
}

/** Where `enqueue` records how many items and shards the run has. */
export function enqueuedKey(queue: string): string {
  return `${QUEUE_PREFIX}:${queue}:enqueued`;
}
