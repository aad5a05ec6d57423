import type { DownloadItem } from '../download/item.js';

/** What `download` and `Downloader` accept: items, or bare URL strings. */
export type ItemSource = Iterable<DownloadItem | string> | AsyncIterable<DownloadItem | string>;

export interface ReadHooks {
  /** Takes one value read. */
  enqueue(value: DownloadItem | string): void;
  /** Whether to stop reading now (the input's iterator is then told, through `return()`). */
  stop(): boolean;
  /** Whether there is room for another value. */
  room(): boolean;
  /** Resolves when there may be room again. */
  waitForRoom(): Promise<void>;
}

/**
 * Reads an item source lazily, one value when there is room for it. Resolves at its end or
 * when told to stop; rejects with what the source threw (or a TypeError for a non-iterable).
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
    const next = await iterator.next();
    if (next.done) return;
    hooks.enqueue(next.value);
  }
}

/** A value read from the input as an item: a bare string is its URL. */
export function toItem(value: DownloadItem | string): DownloadItem {
  if (typeof value === 'string') return { url: value };
  if (typeof value === 'object' && value !== null && typeof value.url === 'string') return value;
  return { url: String((value as { url?: unknown } | null)?.url ?? value) };
}
