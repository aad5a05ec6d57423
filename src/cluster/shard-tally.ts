import type { Redis } from 'ioredis';
import { QUEUE_PREFIX } from './shard-job.js';

/** What one shard's items came to. */
export interface ShardCounts {
  ok: number;
  skipped: number;
  failed: number;
  /** Bytes of the items ok and skipped. */
  bytes: number;
}

/**
 * The counts of every finished shard of a run, in Redis: one field per shard, written when the
 * shard is done, so a shard done twice (its first worker died after the work) counts once.
 */
export class ShardTally {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, queue: string) {
    this.#redis = redis;
    this.#key = `${QUEUE_PREFIX}:${queue}:shards`;
  }

  async add(shard: number, counts: ShardCounts): Promise<void> {
    await this.#redis.hset(this.#key, String(shard), JSON.stringify(counts));
  }

  /** The sums over every finished shard, and how many there are. */
  async totals(): Promise<ShardCounts & { shards: number }> {
    const all = await this.#redis.hvals(this.#key);
    const t = { shards: all.length, ok: 0, skipped: 0, failed: 0, bytes: 0 };
    for (const text of all) {
      const c = JSON.parse(text) as ShardCounts;
      t.ok += c.ok;
      t.skipped += c.skipped;
      t.failed += c.failed;
      t.bytes += c.bytes;
    }
    return t;
  }
}
