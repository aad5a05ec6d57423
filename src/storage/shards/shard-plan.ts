import mime from 'mime-types';

/**
 * The pure decisions of a WebDataset shard writer: what shards and members are called, and
 * when a shard is full.
 */

/** Shard `n`'s base name: six digits, more when needed (`000000`, `1000000`). */
export function shardName(n: number): string {
  return String(n).padStart(6, '0');
}

/** The files of shard `n`, all beside one another; `stats` is written last and marks it complete. */
export function shardFiles(n: number): { tar: string; parquet: string; stats: string } {
  const base = shardName(n);
  return { tar: `${base}.tar`, parquet: `${base}.parquet`, stats: `${base}_stats.json` };
}

/** The run's summary, written at the end. */
export const RUN_STATS = '_stats.json';

/** An item's key when the input gave none: its index in nine digits (`000000042`). */
export function indexKey(index: number): string {
  return String(index).padStart(9, '0');
}

/** The longest key kept; a longer one is cut. */
export const MAX_KEY_LENGTH = 128;

/**
 * The key an item's members are named after: the input's key with every character but
 * `A-Z a-z 0-9 _ -` made `_` (a dot would split the key for WebDataset readers, a slash would
 * make a folder), cut to MAX_KEY_LENGTH; the index key when none is given or nothing is left.
 */
export function memberKey(index: number, key: string | undefined): string {
  const safe = (key ?? '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_KEY_LENGTH);
  return safe === '' || /^_+$/.test(safe) ? indexKey(index) : safe;
}

/**
 * `key`, or when a member of the shard already has it, `key_INDEX` (then with more `_` until
 * unused): two samples of one shard never share a key.
 */
export function uniqueKey(key: string, index: number, used: ReadonlySet<string>): string {
  if (!used.has(key)) return key;
  let k = `${key}_${indexKey(index)}`;
  while (used.has(k)) k += '_';
  return k;
}

const EXT = /^[a-z0-9]{1,10}$/;

/**
 * The data member's extension: the name's own (lowercased) when it is 1-10 letters or digits,
 * else the content type's usual one, else `bin`.
 */
export function memberExt(name: string | undefined, contentType: string | undefined): string {
  const base = (name ?? '').split('/').pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot > 0) {
    const ext = base.slice(dot + 1).toLowerCase();
    if (EXT.test(ext)) return ext;
  }
  if (contentType) {
    const ext = mime.extension(contentType);
    if (ext && EXT.test(ext)) return ext;
  }
  return 'bin';
}

/** The data member's name: `KEY.EXT`, or `KEY.data.json` so it never takes the place of `KEY.json`. */
export function dataMemberName(key: string, ext: string): string {
  return ext === 'json' ? `${key}.data.json` : `${key}.${ext}`;
}

/** The metadata member's name. */
export function metaMemberName(key: string): string {
  return `${key}.json`;
}

export interface ShardLimits {
  /** Indices per shard (failures count). */
  shardItems: number;
  /** Data bytes per shard, when limited. */
  shardBytes?: number | undefined;
}

/** What a shard holds so far. */
export interface ShardFill {
  /** Indices in it. */
  count: number;
  /** Items with data in it. */
  ok: number;
  /** Their data bytes. */
  bytes: number;
}

/** The shard holds all the indices it may: it is finished now, without waiting for the next. */
export function isFull(fill: ShardFill, limits: ShardLimits): boolean {
  return fill.count >= limits.shardItems;
}

/**
 * Whether the next item starts a new shard: the shard is full, or the item has data that would
 * take it past `shardBytes` (the first item with data always fits).
 */
export function startsNewShard(
  fill: ShardFill,
  next: { ok: boolean; size: number },
  limits: ShardLimits,
): boolean {
  if (isFull(fill, limits)) return true;
  if (!next.ok || limits.shardBytes === undefined || fill.ok === 0) return false;
  return fill.bytes + next.size > limits.shardBytes;
}
