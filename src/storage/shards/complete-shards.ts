import { StoreError } from '../../errors/index.js';
import type { Store } from '../store.js';
import { decodeRows, decodeStats, type ShardRow, type ShardStats } from './shard-index.js';
import { shardFiles } from './shard-plan.js';

/** How many shards' rows are kept read at once (the engine asks about indices mostly in order). */
const CACHED = 4;

/**
 * The shards an earlier run completed: from shard 0 up, each with its `_stats.json`, and each
 * starting where the one before ended. They are kept as they are; writing resumes after them.
 */
export class CompleteShards {
  readonly #base: Store;
  readonly #shards: ShardStats[];
  readonly #rows = new Map<number, Promise<Map<number, ShardRow>>>();

  private constructor(base: Store, shards: ShardStats[]) {
    this.#base = base;
    this.#shards = shards;
  }

  /** Finds the complete shards in `base`: one read per shard, plus one for the first missing. */
  static async find(base: Store): Promise<CompleteShards> {
    const shards: ShardStats[] = [];
    let next = 0;
    for (;;) {
      const bytes = await base.read(shardFiles(shards.length).stats);
      const stats = bytes && decodeStats(bytes);
      if (!stats || stats.first_index !== next) break;
      // Stats without their shard (removed since): not complete, so written again.
      if (!(await base.stat({ index: next, name: shardFiles(shards.length).tar }))) break;
      shards.push(stats);
      next = stats.last_index + 1;
    }
    return new CompleteShards(base, shards);
  }

  /** How many shards are complete: the next shard's number. */
  get count(): number {
    return this.#shards.length;
  }

  /** The first index not in a complete shard: where writing resumes. */
  get next(): number {
    const last = this.#shards[this.#shards.length - 1];
    return last ? last.last_index + 1 : 0;
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
      else return mid;
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
