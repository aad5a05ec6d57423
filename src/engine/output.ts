import type { Store } from '../storage/store.js';
import type { NormalizedOptions } from './options.js';
import type { storeFor } from './stores.js';

/** The module that builds object storage and shard stores: beside this one, in dist/src and in the bundle. */
const STORES_FILE = new URL('./stores.js', import.meta.url);

/**
 * The store a run's loop writes into, from its options: undefined for loose files in the local
 * folder (the download path's own positional files), else object storage or shards, whose code
 * is loaded only now (see stores.ts).
 */
export async function createStore(options: NormalizedOptions): Promise<Store | undefined> {
  if (options.output.format === 'files' && options.remote === undefined) return undefined;
  const stores = (await import(STORES_FILE.href)) as { storeFor: typeof storeFor };
  return stores.storeFor(options);
}
