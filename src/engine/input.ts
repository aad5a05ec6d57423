import type { DownloadItem } from '../download/item.js';

/** What `download` and `Downloader` accept: items, or bare URL strings. */
export type ItemSource = Iterable<DownloadItem | string> | AsyncIterable<DownloadItem | string>;

export interface ReadHooks {
  /** Takes one value read. */
  enqueue(value: DownloadItem | string): void;
  /** Whether to stop reading now (the input's iterator is then told, through `return()`). */
  stop(): boolean;
  /**
   * Aborted when reading must stop even while the input is waiting for its next value (stdin, a
   * queue); without it, a wait for the input's next value is never cut short.
   */
  signal?: AbortSignal | undefined;
  /** Whether there is room for another value. */
  room(): boolean;
  /** Resolves when there may be room again. */
  waitForRoom(): Promise<void>;
}

/**
 * Reads an item source lazily, one value when there is room for it. Resolves at its end or
 * when told to stop; rejects with what the source threw (or a TypeError for a non-iterable).
 * When `signal` aborts while the input is waiting, it resolves at once: the input is told to
 * stop (`return()`, not awaited, since a waiting generator answers only after its wait), and a
 * value it yields later is dropped.
 */
export async function readItems(source: ItemSource, hooks: ReadHooks): Promise<void> {
  const src = source as Partial<AsyncIterable<DownloadItem | string> & Iterable<DownloadItem | string>>;
  const iterator = src[Symbol.asyncIterator]?.() ?? src[Symbol.iterator]?.();
  if (!iterator) throw new TypeError('items must be an iterable or async iterable');
  for (;;) {
    if (hooks.stop()) {
      await iterator.return?.();
      return;
    }
    if (!hooks.room()) {
      await hooks.waitForRoom();
      continue;
    }
    const next = await nextOrAbort(iterator, hooks.signal);
    if (next === ABORTED) {
      stopWithoutWaiting(iterator);
      return;
    }
    if (next.done) return;
    hooks.enqueue(next.value);
  }
}

const ABORTED = Symbol('aborted');

type Value = DownloadItem | string;
type AnyIterator = AsyncIterator<Value> | Iterator<Value>;

/** The input's next value, or ABORTED as soon as `signal` aborts while waiting for it. */
function nextOrAbort(iterator: AnyIterator, signal: AbortSignal | undefined) {
  if (signal?.aborted) return ABORTED;
  const pending = iterator.next();
  if (!signal || typeof (pending as Partial<PromiseLike<unknown>>).then !== 'function') return pending;
  return new Promise<IteratorResult<Value> | typeof ABORTED>((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    // Settling after the abort changes nothing: the value is dropped, a rejection ignored.
    Promise.resolve(pending)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Tells the input to stop, without waiting for it to answer (or caring what it throws). */
function stopWithoutWaiting(iterator: AnyIterator): void {
  try {
    Promise.resolve(iterator.return?.()).catch(() => {});
  } catch {
    // A sync iterator whose return() throws: nothing more to tell it.
  }
}

/** A value read from the input as an item: a bare string is its URL. */
export function toItem(value: DownloadItem | string): DownloadItem {
  if (typeof value === 'string') return { url: value };
  if (typeof value === 'object' && value !== null && typeof value.url === 'string') return value;
  return { url: String((value as { url?: unknown } | null)?.url ?? value) };
}
