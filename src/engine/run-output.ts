import type { DownloadResult } from '../download/item.js';
import type { Store } from '../storage/store.js';
import type { NormalizedOptions } from './options.js';
import { OrderedResults } from './ordered-results.js';
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

  /** `emit` takes each result as it comes out; `stop` ends the run when the store fails. */
  static async open(
    options: NormalizedOptions,
    emit: (r: DownloadResult) => void,
    stop: (err: unknown) => void,
  ): Promise<RunOutput> {
    const store = await createStore(options);
    return new RunOutput(store, OrderedResults.of(store, emit, stop));
  }

  /** Hands out one result: at once, or through the ordered store. */
  add(result: DownloadResult, emit: (r: DownloadResult) => void): void {
    if (this.ordered) this.ordered.add(result);
    else emit(result);
  }

  /**
   * Ends the writing: after an abort, drops what is not whole; otherwise closes the store, after
   * which all it holds is whole (the last shard). Resolves with the store's failure, if any.
   */
  async end(aborted: boolean): Promise<unknown> {
    if (aborted) {
      await this.store?.destroy().catch(() => {});
      return undefined;
    }
    try {
      await this.store?.close();
      return undefined;
    } catch (err) {
      return err;
    }
  }
}
