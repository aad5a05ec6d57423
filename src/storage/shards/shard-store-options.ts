import { InvalidOptionError } from '../../errors/index.js';
import type { Store } from '../store.js';
import type { ShardStart } from './complete-shards.js';
import type { ShardLimits } from './shard-plan.js';
import type { SpoolLimits } from './spool.js';

export interface ShardStoreOptions {
  /** Where the shards go (a FileStore, an S3 store): only its `Store` interface is used. */
  base: Store;
  /** Indices per shard, failures included (default 10000). */
  shardItems?: number;
  /** Data bytes per shard: a shard ends early rather than pass it (default: no limit). */
  shardBytes?: number;
  /** The local folder items wait in for their turn, in a fresh folder made in it (default the system's temp folder). */
  spoolDir?: string;
  /** How much of them may wait in memory (default 1 MiB an item, 64 MiB in all). */
  spoolMemory?: SpoolLimits;
  /**
   * Whether `spoolDir` is this output's own (beside the shards): spool folders an earlier run
   * left there when it was killed are removed at the start (default false).
   */
  sweepSpool?: boolean;
  /** Names this output's spool folders apart from others' in a shared `spoolDir` (see Spool). */
  spoolTag?: string;
  /**
   * This store writes one shard of a larger run (one job of a run over many machines): shard
   * `part.shard`, whose first item is the input's `part.index`. Indices given to the store count
   * from 0 within the part; keys and rows count from `part.index`. Every item goes into that one
   * shard (`shardItems` does not apply, `shardBytes` may not be given) and no `_stats.json` of the
   * run is written.
   */
  part?: ShardStart;
}

const KNOWN = new Set([
  'base',
  'shardItems',
  'shardBytes',
  'spoolDir',
  'spoolMemory',
  'sweepSpool',
  'spoolTag',
  'part',
]);

/** Checks a shard store's options: its shards' limits, and the part it writes when it is one. */
export function checkShardStoreOptions(options: ShardStoreOptions): {
  limits: ShardLimits;
  part: ShardStart | undefined;
} {
  for (const k of Object.keys(options)) if (!KNOWN.has(k)) throw InvalidOptionError.unknown(k, KNOWN);
  const { shardItems = 10000, shardBytes } = options;
  if (!Number.isSafeInteger(shardItems) || shardItems < 1) {
    throw new InvalidOptionError('shardItems', 'an integer from 1 and up', shardItems);
  }
  if (shardBytes !== undefined && (!Number.isSafeInteger(shardBytes) || shardBytes < 1)) {
    throw new InvalidOptionError('shardBytes', 'an integer from 1 and up', shardBytes);
  }
  const part = options.part;
  if (part !== undefined) {
    for (const k of ['shard', 'index'] as const) {
      if (!Number.isSafeInteger(part[k]) || part[k] < 0) {
        throw new InvalidOptionError(`part.${k}`, 'an integer from 0 and up', part[k]);
      }
    }
    if (shardBytes !== undefined) {
      throw new InvalidOptionError('shardBytes', 'no byte limit for a store of one shard (part)', shardBytes);
    }
  }
  return { limits: part ? { shardItems: Number.MAX_SAFE_INTEGER } : { shardItems, shardBytes }, part };
}
