import type { DownloadResult } from '../download/item.js';
import { AbortedError, ParafetchError } from '../errors/index.js';
import { isOrdered, type ItemOutcome, type OrderedStore, type Store } from '../storage/store.js';

/** How far past the item the store waits for, in look-aheads, an item may still start. */
const WINDOW_PER_LOOKAHEAD = 4;

/**
 * Results of a run whose store keeps input order (shards): each goes to the store first and
 * comes out once the store has placed it, in input order, with where it is. A store that fails
 * (a full disk) fails the items it could not place with its error, and stops the run.
 */
export class OrderedResults {
  readonly #store: OrderedStore;
  readonly #emit: (r: DownloadResult) => void;
  readonly #stop: (err: unknown) => void;
  readonly #aborted: () => boolean;
  readonly #placed: () => void;
  /** Handed to the store and not yet placed. */
  #pending = 0;
  /** The index the store waits for: every item before it is placed. */
  #next = 0;
  /** Handed to the store and not yet out (placed, their shard not yet whole, included). */
  #unsettled = 0;
  #drained: (() => void) | undefined;

  private constructor(store: OrderedStore, hooks: OrderedHooks) {
    this.#store = store;
    this.#emit = hooks.emit;
    this.#stop = hooks.stop;
    this.#aborted = hooks.aborted;
    this.#placed = hooks.placed;
  }

  /** The ordered results of `store`, or undefined when it keeps no order. */
  static of(store: Store | undefined, hooks: OrderedHooks): OrderedResults | undefined {
    return store && isOrdered(store) ? new OrderedResults(store, hooks) : undefined;
  }

  /** Results handed to the store and not yet placed: the run is not over while there are any. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Whether the item at `index` may start: not too far past the one the store waits for, so
   * that what waits behind one slow item stays bounded. The item waited for always may (a
   * retry of it, say), so the run never waits for an item it holds back.
   */
  admits(index: number, lookahead: number): boolean {
    return index < this.#next + lookahead * WINDOW_PER_LOOKAHEAD;
  }

  /**
   * Hands `result` to the store. It comes out once placed and once what holds it is whole (its
   * shard committed, so a result never says `ok` of bytes that are not stored); in input order,
   * as the store places items and completes shards in that order.
   */
  add(result: DownloadResult): void {
    this.#pending++;
    this.#unsettled++;
    this.#store.place(outcomeOf(result)).then(
      (placed) => {
        this.#pending--;
        this.#next = Math.max(this.#next, result.index + 1);
        this.#placed();
        if (placed.location !== undefined) result.path = placed.location;
        if (!placed.whole) return this.#out(result);
        placed.whole.then(
          () => this.#out(result),
          (err: unknown) => this.#out(this.#lost(result, err)),
        );
      },
      (err: unknown) => {
        this.#pending--;
        this.#stop(err);
        this.#out(this.#lost(result, err));
      },
    );
  }

  /** Resolves once every result handed over is out. */
  drained(): Promise<void> {
    if (this.#unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained = resolve));
  }

  /**
   * An item whose bytes the store did not keep: cancelled when an abort dropped its shard (the
   * store says ABORTED), else failed with the store's error.
   */
  #lost(result: DownloadResult, err: unknown): DownloadResult {
    if (result.status !== 'ok' && result.status !== 'skipped') return result;
    const dropped = err instanceof ParafetchError && err.code === 'ABORTED' && this.#aborted();
    return {
      ...result,
      status: dropped ? 'cancelled' : 'failed',
      sha256: undefined,
      error: dropped ? new AbortedError(result.url, err) : (err as ParafetchError),
    };
  }

  #out(result: DownloadResult): void {
    this.#emit(result);
    if (--this.#unsettled === 0) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained?.();
    }
  }
}

/** What ordered results need from their run. */
export interface OrderedHooks {
  /** Takes each result as it comes out. */
  emit(r: DownloadResult): void;
  /** Ends the run: the store failed. */
  stop(err: unknown): void;
  /** Whether the run was aborted (what a dropped shard's items then are: cancelled). */
  aborted(): boolean;
  /** An item was placed: more may start, or the run may be over. */
  placed(): void;
}

/** What an ordered store records of a result. Pure. */
export function outcomeOf(r: DownloadResult): ItemOutcome {
  const item = r.item as DownloadResult['item'] & { key?: string; fields?: Record<string, unknown> };
  return {
    index: r.index,
    url: r.url,
    status: r.status,
    bytes: r.bytes,
    sha256: r.sha256,
    errorCode: r.error?.code,
    ms: r.ms,
    key: item.key,
    fields: item.fields,
  };
}
