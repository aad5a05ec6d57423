import { StoreError } from '../../errors/index.js';
import type { Store } from '../store.js';
import { decodeRows, decodeStats, type ShardRow, type ShardStats } from './shard-index.js';
import { shardFiles } from './shard-plan.js';

/** How many shards' rows are kept read at once (the engine asks about indices mostly in order). */
const CACHED = 4;

/** Where a store's shards begin: shard 0 at index 0, or later for one part of a larger run. */
export interface ShardStart {
  /** The number of the first shard. */
  shard: number;
  /** The index of its first item. */
  index: number;
}

/**
 * The shards an earlier run completed: from shard 0 up, each with its `_stats.json`, and each
 * starting where the one before ended. They are kept as they are; writing resumes after them.
 */
export class CompleteShards {
  readonly #base: Store;
  readonly #start: ShardStart;
  readonly #shards: ShardStats[];
  readonly #rows = new Map<number, Promise<Map<number, ShardRow>>>();

  private constructor(base: Store, start: ShardStart, shards: ShardStats[]) {
    this.#base = base;
    this.#start = start;
    this.#shards = shards;
  }

  /**
   * Finds the complete shards in `base` from `start` on, `limit` of them at most: one read per
   * shard, plus one for the first missing.
   */
  static async find(
    base: Store,
    start: ShardStart = { shard: 0, index: 0 },
    limit = Infinity,
  ): Promise<CompleteShards> {
    const shards: ShardStats[] = [];
    let next = start.index;
    while (shards.length < limit) {
      const files = shardFiles(start.shard + shards.length);
      const bytes = await base.read(files.stats);
      const stats = bytes && decodeStats(bytes);
      if (!stats || stats.first_index !== next) break;
      // Stats without their shard (removed since): not complete, so written again.
      if (!(await base.stat({ index: next, name: files.tar }))) break;
      shards.push(stats);
      next = stats.last_index + 1;
    }
    return new CompleteShards(base, start, shards);
  }

  /** The number of the shard after the complete ones: the next to write. */
  get count(): number {
    return this.#start.shard + this.#shards.length;
  }

  /** The first index not in a complete shard: where writing resumes. */
  get next(): number {
    const last = this.#shards[this.#shards.length - 1];
    return last ? last.last_index + 1 : this.#start.index;
  }

  /** Their summed statistics. */
  get stats(): readonly ShardStats[] {
    return this.#shards;
  }

  /** The number of the complete shard holding `index`, or -1. */
  shardOf(index: number): number {
    let lo = 0;
    let hi = this.#shards.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.#shards[mid]!;
      if (index < s.first_index) hi = mid - 1;
      else if (index > s.last_index) lo = mid + 1;
      else return this.#start.shard + mid;
    }
    return -1;
  }

  /** `index`'s row, when it is in a complete shard. */
  async row(index: number): Promise<{ shard: number; row: ShardRow } | undefined> {
    const shard = this.shardOf(index);
    if (shard < 0) return undefined;
    const row = (await this.#rowsOf(shard)).get(index);
    return row && { shard, row };
  }

  #rowsOf(shard: number): Promise<Map<number, ShardRow>> {
    let rows = this.#rows.get(shard);
    if (rows) {
      // Most recently used last.
      this.#rows.delete(shard);
      this.#rows.set(shard, rows);
      return rows;
    }
    const name = shardFiles(shard).parquet;
    rows = (async () => {
      const bytes = await this.#base.read(name);
      // Its stats say it is complete: without its index, which items it holds is unknown.
      if (!bytes) throw new StoreError(`${name}, the index of a complete shard, is missing`);
      const list = await decodeRows(bytes, name);
      return new Map(list.map((r) => [r.index, r]));
    })();
    rows.catch(() => this.#rows.delete(shard));
    this.#rows.set(shard, rows);
    while (this.#rows.size > CACHED) this.#rows.delete(this.#rows.keys().next().value!);
    return rows;
  }
}
