import type { DownloadItem } from './item.js';

/** The URLs an item's attempts go through, in turn: its own, then its mirrors. */
export function itemUrls(item: Pick<DownloadItem, 'url' | 'mirrors'>): string[] {
  return [item.url, ...(item.mirrors ?? [])];
}

/**
 * Which of `urls` (an item's, in the order `itemUrls` gives) attempt number `attempt` (from 1)
 * goes to: attempts go through them in turn, starting over after the last.
 */
export function attemptUrl<T>(urls: readonly T[], attempt: number): T {
  return urls[(attempt - 1) % urls.length]!;
}
