import { AbortedError } from '../../errors/index.js';
import type { ItemOutcome, Placement, Store } from '../store.js';
import {
  encodeRows,
  jsonBytes,
  statsOf,
  writeObject,
  type ShardRow,
  type ShardStats,
} from './shard-index.js';
import {
  dataMemberName,
  memberExt,
  memberKey,
  metaMemberName,
  shardFiles,
  uniqueKey,
  type ShardFill,
} from './shard-plan.js';
import type { HeldItem } from './shard-upload.js';
import { TarShard } from './tar-shard.js';

/**
 * The shard being written: items are added in index order, each `ok` one as two members
 * (`KEY.EXT`, `KEY.json`) and every one as a row of its parquet index. `commit` makes the tar,
 * then the index, then the stats appear, in that order: the stats mark it complete.
 */
export class ShardWriter {
  readonly n: number;
  readonly fill: ShardFill = { count: 0, ok: 0, bytes: 0 };
  readonly #base: Store;
  readonly #tar: TarShard;
  readonly #rows: ShardRow[] = [];
  readonly #keys = new Set<string>();
  /** Resolves once the shard is complete (its stats written); rejects when it is dropped or fails. */
  readonly whole: Promise<void>;
  #settle!: (err?: unknown) => void;

  private constructor(base: Store, n: number, tar: TarShard) {
    this.whole = new Promise<void>((resolve, reject) => {
      this.#settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    // Nobody may wait for it (a shard of failures only): a rejection is not an unhandled one.
    this.whole.catch(() => {});
    this.#base = base;
    this.n = n;
    this.#tar = tar;
  }

  /** Opens shard `n`'s tar upload; `first` is its first index. */
  static async open(base: Store, n: number, first: number): Promise<ShardWriter> {
    return new ShardWriter(base, n, await TarShard.open(base, shardFiles(n).tar, first));
  }

  /**
   * Adds one item: its members, when `ok` (its bytes are `held`), and its row. Resolves when
   * they are written into the shard's upload, with where the item is.
   */
  async add(o: ItemOutcome, held: HeldItem | undefined): Promise<Placement> {
    const i = o.index;
    const ok = o.status === 'ok' && held !== undefined;
    const key = uniqueKey(memberKey(i, o.key ?? held?.target.key), i, this.#keys);
    this.#keys.add(key);
    const size = ok ? held.body.size : o.bytes;
    const sha256 = ok ? (o.sha256 ?? held.sha256) : undefined;
    const contentType = ok ? held.target.contentType : undefined;
    if (ok) {
      const { target, body } = held;
      const meta = {
        key,
        url: o.url,
        status: 'ok',
        sha256: sha256 ?? null,
        size,
        content_type: contentType ?? null,
      };
      // The fixed keys first, then the item's own fields in their order (a fixed key is never replaced).
      const json = JSON.stringify({ ...meta, ...o.fields, ...meta });
      await this.#tar.addStream(
        dataMemberName(key, memberExt(target.name, target.contentType)),
        size,
        body.chunks(),
      );
      await this.#tar.addBuffer(metaMemberName(key), Buffer.from(json));
    }
    this.#rows.push({
      index: i,
      url: o.url,
      key,
      status: ok ? 'ok' : o.status === 'skipped' ? 'skipped' : 'failed',
      errorCode: ok ? undefined : o.errorCode,
      bytes: size,
      sha256,
      ms: o.ms,
      contentType,
      shard: this.#tar.name,
    });
    this.fill.count++;
    if (ok) {
      this.fill.ok++;
      this.fill.bytes += size;
    }
    return { location: ok ? this.#base.locate(this.#tar.name) : undefined, key };
  }

  /** Makes the shard whole: the tar, then its parquet index, then its stats. */
  async commit(): Promise<ShardStats> {
    const files = shardFiles(this.n);
    const first = this.#rows[0]?.index ?? 0;
    try {
      await this.#tar.commit();
      const stats = statsOf(this.#rows);
      await writeObject(
        this.#base,
        files.parquet,
        first,
        'application/vnd.apache.parquet',
        encodeRows(this.#rows),
      );
      await writeObject(this.#base, files.stats, first, 'application/json', jsonBytes(stats));
      this.#settle();
      return stats;
    } catch (err) {
      this.#settle(err);
      throw err;
    }
  }

  /** Drops the shard: nothing of it appears under a final name; `why` is what `whole` rejects with. */
  abort(
    why: unknown = new AbortedError(shardFiles(this.n).tar, 'the run stopped before the shard was whole'),
  ): Promise<void> {
    this.#settle(why);
    return this.#tar.abort();
  }
}
