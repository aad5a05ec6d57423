import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { StoreError } from '../../errors/index.js';
import type { Store } from '../store.js';

/** One item's row in its shard's parquet index (failures too). */
export interface ShardRow {
  index: number;
  url: string;
  /** The item's key in the shard (its members' names less the extension). */
  key: string;
  status: 'ok' | 'failed' | 'skipped';
  errorCode: string | undefined;
  /** Data bytes (of an ok item: its member's size). */
  bytes: number;
  sha256: string | undefined;
  ms: number;
  contentType: string | undefined;
  /** The shard's tar file name. */
  shard: string;
}

/** A shard's `NNNNNN_stats.json`: written last, its presence marks the shard complete. */
export interface ShardStats {
  count: number;
  ok: number;
  failed: number;
  bytes: number;
  first_index: number;
  last_index: number;
}

/** The parquet index of one shard: one row per index, in index order. */
export function encodeRows(rows: readonly ShardRow[]): Uint8Array {
  const col = <T>(f: (r: ShardRow) => T) => rows.map(f);
  const orNull = (v: string | undefined) => v ?? null;
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'index', data: col((r) => BigInt(r.index)), type: 'INT64', nullable: false },
      { name: 'url', data: col((r) => r.url), type: 'STRING', nullable: false },
      { name: 'key', data: col((r) => r.key), type: 'STRING', nullable: false },
      { name: 'status', data: col((r) => r.status), type: 'STRING', nullable: false },
      { name: 'error_code', data: col((r) => orNull(r.errorCode)), type: 'STRING' },
      { name: 'bytes', data: col((r) => BigInt(r.bytes)), type: 'INT64', nullable: false },
      { name: 'sha256', data: col((r) => orNull(r.sha256)), type: 'STRING' },
      { name: 'ms', data: col((r) => BigInt(Math.max(0, Math.round(r.ms)))), type: 'INT64', nullable: false },
      { name: 'content_type', data: col((r) => orNull(r.contentType)), type: 'STRING' },
      { name: 'shard', data: col((r) => r.shard), type: 'STRING', nullable: false },
    ],
    createdBy: 'parafetch',
  });
  return new Uint8Array(buf);
}

const STATUSES = new Set(['ok', 'failed', 'skipped']);

/** Reads a shard's parquet index back. Fails with STORE_ERROR when it is not one of ours. */
export async function decodeRows(bytes: Uint8Array, name: string): Promise<ShardRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let objects: Record<string, unknown>[];
  try {
    objects = await parquetReadObjects({ file });
  } catch (err) {
    throw new StoreError(`cannot read the shard index ${name}: ${(err as Error).message}`, { cause: err });
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return objects.map((o) => {
    const status = String(o['status']);
    if (!STATUSES.has(status) || o['index'] === undefined) {
      throw new StoreError(`the shard index ${name} has a row that is not one of ours`);
    }
    return {
      index: Number(o['index']),
      url: String(o['url'] ?? ''),
      key: String(o['key'] ?? ''),
      status: status as ShardRow['status'],
      errorCode: str(o['error_code']),
      bytes: Number(o['bytes'] ?? 0),
      sha256: str(o['sha256']),
      ms: Number(o['ms'] ?? 0),
      contentType: str(o['content_type']),
      shard: String(o['shard'] ?? ''),
    };
  });
}

/** A shard's statistics from its rows. */
export function statsOf(rows: readonly ShardRow[]): ShardStats {
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  for (const r of rows) {
    if (r.status === 'ok') {
      ok++;
      bytes += r.bytes;
    } else if (r.status === 'failed') failed++;
  }
  return {
    count: rows.length,
    ok,
    failed,
    bytes,
    first_index: rows[0]?.index ?? 0,
    last_index: rows[rows.length - 1]?.index ?? 0,
  };
}

/** JSON with two-space indent and a final newline: what the shard and run summaries look like. */
export function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value, null, 2) + '\n');
}

/** Parses a `NNNNNN_stats.json`; undefined when it is not a whole one (then the shard is redone). */
export function decodeStats(bytes: Uint8Array): ShardStats | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const keys = ['count', 'ok', 'failed', 'bytes', 'first_index', 'last_index'] as const;
  if (!keys.every((k) => Number.isSafeInteger(o[k]) && (o[k] as number) >= 0)) return undefined;
  const s = o as unknown as ShardStats;
  return s.last_index - s.first_index + 1 === s.count ? s : undefined;
}

/** Writes a whole small object into the base store, committed atomically. */
export async function writeObject(
  base: Store,
  name: string,
  index: number,
  contentType: string,
  bytes: Uint8Array,
): Promise<void> {
  const upload = await base.open({ index, name, url: '', size: bytes.length, contentType });
  try {
    if (!upload.write(bytes)) await upload.drained();
    await upload.commit(undefined);
  } catch (err) {
    await upload.abort().catch(() => {});
    throw err;
  }
}
