import type { DownloadResult } from '../download/item.js';
import { isOrdered, type ItemOutcome, type OrderedStore, type Store } from '../storage/store.js';

/** Outcomes waiting in an ordered store, per item let in, before the run holds new items back. */
const WAITING_PER_LOOKAHEAD = 4;

/**
 * Results of a run whose store keeps input order (shards): each goes to the store first and
 * comes out once the store has placed it, in input order, with where it is. A store that fails
 * (a full disk) fails the items it could not place with its error, and stops the run.
 */
export class OrderedResults {
  readonly #store: OrderedStore;
  readonly #emit: (r: DownloadResult) => void;
  readonly #stop: (err: unknown) => void;
  #pending = 0;

  private constructor(store: OrderedStore, emit: (r: DownloadResult) => void, stop: (err: unknown) => void) {
    this.#store = store;
    this.#emit = emit;
    this.#stop = stop;
  }

  /** The ordered results of `store`, or undefined when it keeps no order. */
  static of(
    store: Store | undefined,
    emit: (r: DownloadResult) => void,
    stop: (err: unknown) => void,
  ): OrderedResults | undefined {
    return store && isOrdered(store) ? new OrderedResults(store, emit, stop) : undefined;
  }

  /** Results handed to the store and not yet out. */
  get pending(): number {
    return this.#pending;
  }

  /** Whether so many wait (behind one slow item) that no new item should be let in. */
  backedUp(lookahead: number): boolean {
    return this.#pending > lookahead * WAITING_PER_LOOKAHEAD;
  }

  add(result: DownloadResult): void {
    this.#pending++;
    this.#store.place(outcomeOf(result)).then(
      (placed) => {
        if (placed.location !== undefined) result.path = placed.location;
        this.#out(result);
      },
      (err: unknown) => {
        if (result.status === 'ok' || result.status === 'skipped') {
          result.status = 'failed';
          result.sha256 = undefined;
          result.error = err as DownloadResult['error'];
        }
        this.#stop(err);
        this.#out(result);
      },
    );
  }

  #out(result: DownloadResult): void {
    this.#pending--;
    this.#emit(result);
  }
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
