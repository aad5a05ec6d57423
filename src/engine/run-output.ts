import type { Store } from '../storage/store.js';
import type { NormalizedOptions } from './options.js';
import { OrderedResults, type OrderedHooks } from './ordered-results.js';
import { createStore } from './output.js';

/**
 * Where a run's bytes go when not to the local folder's own files, and what that means for its
 * results: through an ordered store (shards) they come out in input order, once placed.
 */
export class RunOutput {
  /** The store, or undefined for loose files in the local folder. */
  readonly store: Store | undefined;
  /** The results waiting in an ordered store, when the store keeps order. */
  readonly ordered: OrderedResults | undefined;

  private constructor(store: Store | undefined, ordered: OrderedResults | undefined) {
    this.store = store;
    this.ordered = ordered;
  }

  /** The run's store, and how results come out of it when it keeps order. */
  static async open(options: NormalizedOptions, hooks: OrderedHooks): Promise<RunOutput> {
    const store = await createStore(options);
    return new RunOutput(store, OrderedResults.of(store, hooks));
  }

  /**
   * Ends the writing: after an abort, drops what is not whole; otherwise closes the store, after
   * which all it holds is whole (the last shard). Resolves with the store's failure, if any.
   */
  async end(aborted: boolean): Promise<unknown> {
    let failure: unknown;
    if (aborted) await this.store?.destroy().catch(() => {});
    else await this.store?.close().catch((err: unknown) => (failure = err));
    // The last shard is whole (or dropped) now: its items' results come out before the run ends.
    await this.ordered?.drained();
    return failure;
  }
}
