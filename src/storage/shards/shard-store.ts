import { ParafetchError, StoreError } from '../../errors/index.js';
import type {
  ItemOutcome,
  OrderedStore,
  Placement,
  StatTarget,
  Store,
  StoreCapabilities,
  StoredObject,
  Upload,
  UploadTarget,
} from '../store.js';
import { CompleteShards, type ShardStart } from './complete-shards.js';
import { jsonBytes, writeObject, type ShardStats } from './shard-index.js';
import { isFull, RUN_STATS, shardFiles, startsNewShard, type ShardLimits } from './shard-plan.js';
import { checkShardStoreOptions, type ShardStoreOptions } from './shard-store-options.js';
import { ShardUpload, type HeldItem } from './shard-upload.js';
import { ShardWriter } from './shard-writer.js';
import { Spool } from './spool.js';

export type { ShardStoreOptions } from './shard-store-options.js';

interface Waiter {
  outcome: ItemOutcome;
  resolve: (p: Placement) => void;
  reject: (err: unknown) => void;
}

/**
 * Items written in input order into WebDataset tar shards (`000000.tar`, …), each with a parquet
 * index of its items (failures included) and a `_stats.json` written last, which marks it
 * complete. Uploads wait in a spool until every item before them is placed; one writer then
 * streams each shard into one upload of the base store, committed whole when its last index is
 * placed. A run resumes after the complete shards an earlier run left.
 */
export class ShardStore implements OrderedStore {
  readonly capabilities: StoreCapabilities = { positional: false, ordered: true };
  readonly #base: Store;
  readonly #limits: ShardLimits;
  readonly #spool: Spool;
  readonly #sweep: boolean;
  readonly #part: ShardStart | undefined;
  /** What the engine's indices are counted from: the input's index of the part's first item. */
  readonly #offset: number;
  readonly #started = new Date();
  #complete: Promise<CompleteShards> | undefined;
  readonly #waiting = new Map<number, Waiter>();
  readonly #held = new Map<number, HeldItem>();
  readonly #uploads = new Set<ShardUpload>();
  /** The next index to place: from the offset, through complete shards too (they are placed without writing). */
  #next: number;
  #shard: ShardWriter | undefined;
  #shardCount = 0;
  readonly #written: ShardStats[] = [];
  #pumping: Promise<void> | undefined;
  #failure: unknown;
  #cancelled = false;
  #ended = false;
  #destroyed = false;

  constructor(options: ShardStoreOptions) {
    const { base } = options;
    const { limits, part } = checkShardStoreOptions(options);
    this.#part = part;
    this.#offset = part?.index ?? 0;
    this.#next = this.#offset;
    this.#base = base;
    this.#limits = limits;
    this.#spool = new Spool(options.spoolDir, options.spoolMemory, options.spoolTag);
    this.#sweep = options.sweepSpool === true;
  }

  get pending(): number {
    return this.#waiting.size;
  }

  locate(name: string): string {
    return this.#base.locate(name);
  }

  read(name: string): Promise<Uint8Array | undefined> {
    return this.#base.read(name);
  }

  /** The complete shards, found once, before the first place or stat. */
  #found(): Promise<CompleteShards> {
    // Once, before anything is spooled: what an earlier run left in the spool goes first.
    this.#complete ??= (this.#sweep ? this.#spool.sweep() : Promise.resolve())
      .then(() =>
        this.#part ? CompleteShards.find(this.#base, this.#part, 1) : CompleteShards.find(this.#base),
      )
      .then((c) => {
        this.#shardCount = c.count;
        return c;
      });
    return this.#complete;
  }

  async stat(target: StatTarget): Promise<StoredObject | undefined> {
    const found = await (await this.#found()).row(target.index + this.#offset);
    if (!found) return undefined;
    const { shard, row } = found;
    const location = this.#base.locate(shardFiles(shard).tar);
    if (row.status !== 'ok') return { location, size: 0, failed: row.errorCode ?? 'INTERNAL_ERROR' };
    return { location, size: row.bytes, sha256: row.sha256 };
  }

  async open(engineTarget: UploadTarget): Promise<Upload> {
    const target = { ...engineTarget, index: engineTarget.index + this.#offset };
    this.#check();
    await this.#found();
    const writer = await this.#spool.writer(target.index, target.size);
    const upload: ShardUpload = new ShardUpload(target, writer, (item) => this.#hold(upload, item));
    this.#uploads.add(upload);
    return upload;
  }

  /** An upload committed: its bytes wait for the item's turn. Resolves with its likely shard. */
  async #hold(upload: ShardUpload, item: HeldItem): Promise<string> {
    this.#uploads.delete(upload);
    this.#check();
    const complete = await this.#found();
    const i = item.target.index;
    if (this.#waiting.has(i) || (i >= complete.next && i < this.#next)) {
      throw new StoreError(`item ${i} is committed after it was placed`);
    }
    await this.#held.get(i)?.body.release();
    this.#held.set(i, item);
    // Exact while shards roll by count alone; the placement says where it went.
    const n = complete.count + Math.floor((i - complete.next) / this.#limits.shardItems);
    return this.#base.locate(shardFiles(n).tar);
  }

  place(engineOutcome: ItemOutcome): Promise<Placement> {
    const outcome = { ...engineOutcome, index: engineOutcome.index + this.#offset };
    const i = outcome.index;
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.reject(new StoreError(`item ${i} is placed after the store ended`));
    if (!Number.isSafeInteger(i) || i < 0 || this.#waiting.has(i) || i < this.#next) {
      return Promise.reject(new StoreError(`item ${i} is placed twice, or its index is not one`));
    }
    const p = new Promise<Placement>((resolve, reject) => this.#waiting.set(i, { outcome, resolve, reject }));
    this.#pump();
    return p;
  }

  /** Places waiting items in index order, one at a time; one loop runs at most. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = (async () => {
      try {
        const complete = await this.#found();
        for (
          let w = this.#waiting.get(this.#next);
          w && !this.#failure && !this.#destroyed;
          w = this.#waiting.get(this.#next)
        ) {
          const placement = await this.#placeOne(w.outcome, complete);
          this.#waiting.delete(w.outcome.index);
          this.#next++;
          w.resolve(placement);
        }
      } catch (err) {
        if (!this.#destroyed) await this.#fail(err);
      } finally {
        this.#pumping = undefined;
      }
    })();
  }

  async #placeOne(o: ItemOutcome, complete: CompleteShards): Promise<Placement> {
    const i = o.index;
    const held = this.#held.get(i);
    this.#held.delete(i);
    const ok = o.status === 'ok';
    if (held && !ok) await held.body.release();
    if (i < complete.next) {
      // In a shard an earlier run completed: kept as it is.
      await held?.body.release();
      const found = await complete.row(i);
      if (!found) return {};
      if (found.row.url !== o.url) {
        // The input changed since the shard was written: its item at this index is another one.
        throw new StoreError(
          `item ${i} (${o.url}) is not the item ${shardFiles(found.shard).tar} holds at its index ` +
            `(${found.row.url}): the input is not the one the shards were written from; run it into another folder`,
        );
      }
      const location = found.row.status === 'ok' ? this.#base.locate(shardFiles(found.shard).tar) : undefined;
      return { location, key: found.row.key };
    }
    if (this.#cancelled || o.status === 'cancelled') {
      // The shard this item is in cannot be whole: it is dropped, and nothing more is written.
      await held?.body.release();
      if (!this.#cancelled) {
        this.#cancelled = true;
        const shard = this.#shard;
        this.#shard = undefined;
        await shard?.abort();
      }
      return {};
    }
    if (ok && !held) throw new StoreError(`item ${i} is placed as ok, but no upload of it was committed`);
    const size = ok ? held!.body.size : 0;
    if (this.#shard && startsNewShard(this.#shard.fill, { ok, size }, this.#limits))
      await this.#finishShard();
    const shard = (this.#shard ??= await ShardWriter.open(this.#base, this.#shardCount, i));
    try {
      const placement = { ...(await shard.add(o, ok ? held : undefined)), whole: shard.whole };
      if (isFull(shard.fill, this.#limits)) await this.#finishShard();
      return placement;
    } finally {
      await held?.body.release();
    }
  }

  /** Makes the shard being written complete. */
  async #finishShard(): Promise<void> {
    const shard = this.#shard;
    if (!shard) return;
    this.#shard = undefined;
    this.#written.push(await shard.commit());
    this.#shardCount = shard.n + 1;
  }

  #check(): void {
    if (this.#failure) throw this.#failure;
    if (this.#ended) throw new StoreError('the shard store has ended');
  }

  /** The store failed (a full disk): every waiting and later place rejects with the error. */
  async #fail(err: unknown): Promise<void> {
    this.#failure ??=
      err instanceof ParafetchError
        ? err
        : new StoreError(`cannot write shards: ${String(err)}`, { cause: err });
    for (const w of this.#waiting.values()) w.reject(this.#failure);
    this.#waiting.clear();
    const shard = this.#shard;
    this.#shard = undefined;
    await shard?.abort(this.#failure).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#found().catch((err) => this.#fail(err));
    await this.#pumping;
    try {
      if (!this.#failure && this.#waiting.size > 0) {
        await this.#fail(new StoreError(`the store closed with item ${this.#next} never placed`));
      }
      if (this.#failure) throw this.#failure;
      if (!this.#cancelled) {
        await this.#finishShard().catch(async (err) => {
          await this.#fail(err);
          throw this.#failure;
        });
        // A part's run is summed up by whoever runs the whole.
        if (!this.#part) {
          await writeObject(this.#base, RUN_STATS, 0, 'application/json', jsonBytes(await this.#runStats()));
        }
      }
      await this.#base.close();
    } finally {
      await this.#dropSpool();
    }
  }

  async #runStats(): Promise<Record<string, unknown>> {
    const all = [...(await this.#found()).stats, ...this.#written];
    const sum = (k: 'count' | 'ok' | 'failed' | 'bytes') => all.reduce((t, s) => t + s[k], 0);
    return {
      shards: all.length,
      items: sum('count'),
      ok: sum('ok'),
      failed: sum('failed'),
      bytes: sum('bytes'),
      started: this.#started.toISOString(),
      ended: new Date().toISOString(),
    };
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    this.#ended = true;
    this.#cancelled = true;
    const shard = this.#shard;
    this.#shard = undefined;
    await shard?.abort().catch(() => {});
    await this.#pumping;
    for (const w of this.#waiting.values()) w.resolve({});
    this.#waiting.clear();
    await this.#dropSpool();
    await this.#base.destroy();
  }

  async #dropSpool(): Promise<void> {
    await Promise.all([...this.#uploads].map((u) => u.abort()));
    this.#uploads.clear();
    await Promise.all([...this.#held.values()].map((h) => h.body.release()));
    this.#held.clear();
    await this.#spool.remove();
  }
}
