import type { Store } from '../storage/store.js';
import type { NormalizedOptions } from './options.js';

/**
 * The store a run's loop writes into, from its options: undefined for loose files in the local
 * folder (the download path's own positional files), else object storage or shards.
 */
export function createStore(options: NormalizedOptions): Store | undefined {
  if (options.remote === undefined && options.output.format === 'files') return undefined;
  throw new Error('not yet');
}
