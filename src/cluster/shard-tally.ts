import { gunzipSync, gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { QUEUE_PREFIX } from './shard-job.js';

/** What one shard's items came to. */
export interface ShardCounts {
  ok: number;
  skipped: number;
  failed: number;
  /** Bytes of the items ok and skipped. */
  bytes: number;
  /** Failed items by error code. */
  failuresByCode?: Record<string, number>;
}

/**
 * The counts of every finished shard of a run, in Redis: one field per shard, written when the
 * shard is done, so a shard done twice (its first worker died after the work) counts once.
 */
export class ShardTally {
  readonly #redis: Redis;
  readonly #key: string;
  /** Each finished shard's report lines, gzipped: what `report` merges. */
  readonly #reports: string;

  constructor(redis: Redis, queue: string) {
    this.#redis = redis;
    this.#key = `${QUEUE_PREFIX}:${queue}:shards`;
    this.#reports = `${QUEUE_PREFIX}:${queue}:reports`;
  }

  /** Records a finished shard: its counts and its items' report lines (in input order), at once. */
  async add(shard: number, counts: ShardCounts, lines: readonly string[] = []): Promise<void> {
    const report = gzipSync(lines.map((l) => `${l}\n`).join(''));
    await this.#redis
      .multi()
      .hset(this.#key, String(shard), JSON.stringify(counts))
      .hset(this.#reports, String(shard), report)
      .exec();
  }

  /** The report lines of every finished shard, shard by shard in order. */
  async *reportLines(): AsyncGenerator<string> {
    const shards = (await this.#redis.hkeys(this.#reports)).map(Number).sort((a, b) => a - b);
    for (const shard of shards) {
      const data = await this.#redis.hgetBuffer(this.#reports, String(shard));
      if (!data) continue;
      const text = gunzipSync(data).toString('utf8');
      for (const line of text.split('\n')) if (line !== '') yield line;
    }
  }

  /** The sums over every finished shard, and how many there are. */
  async totals(): Promise<Required<ShardCounts> & { shards: number }> {
    const all = await this.#redis.hvals(this.#key);
    const t = {
      shards: all.length,
      ok: 0,
      skipped: 0,
      failed: 0,
      bytes: 0,
      failuresByCode: {} as Record<string, number>,
    };
    for (const text of all) {
      const c = JSON.parse(text) as ShardCounts;
      t.ok += c.ok;
      t.skipped += c.skipped;
      t.failed += c.failed;
      t.bytes += c.bytes;
      for (const [code, n] of Object.entries(c.failuresByCode ?? {})) {
        t.failuresByCode[code] = (t.failuresByCode[code] ?? 0) + n;
      }
    }
    return t;
  }
}
