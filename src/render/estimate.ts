import type { RunStats } from '../index.js';

/** Items finished so far. Pure. */
export function doneOf(stats: RunStats): number {
  return stats.ok + stats.skipped + stats.failed + stats.cancelled;
}

/**
 * The number of items in the run: exact once the whole input has been read, else the count made
 * beside the reading when there is one (never fewer than the items seen), else undefined. Pure.
 */
export function totalOf(stats: RunStats): number | undefined {
  const seen = doneOf(stats) + stats.active + stats.queued;
  if (stats.inputDone) return seen;
  return stats.expected === undefined ? undefined : Math.max(stats.expected, seen);
}

/** How far a run is, in bytes where sizes are known and in files where nothing better is. */
export interface Progress {
  /** Items in the run, when known (see totalOf). */
  items: number | undefined;
  /** Bytes the items hold so far: those ended and those started (resumed bytes included). */
  doneBytes: number;
  /**
   * Bytes the run comes to: every size known when `exact`, else with the items of unknown size
   * counted at the average size of those known. Undefined while no size or no total is known.
   */
  totalBytes: number | undefined;
  exact: boolean;
  /** From 0 to 1; undefined while the total is unknown. */
  fraction: number | undefined;
  /** Whether `fraction` (and so the ETA) comes from bytes rather than files. */
  byBytes: boolean;
}

/**
 * The progress of a run from its counters. Sizes come from the items ended (their sizes, or
 * what a failed one held) and from those started (Content-Length as they start, a resumed
 * file's size); an item whose size is not known yet is counted at the average of those that
 * are. With no size known at all, the progress is the share of files finished. Pure.
 */
export function progressOf(stats: RunStats): Progress {
  const items = totalOf(stats);
  const done = doneOf(stats);
  const s = stats.sizes;
  const doneBytes = s.completeBytes + s.endedBytes + s.sizedBytes + s.unsizedBytes;
  const byFiles: Progress = {
    items,
    doneBytes,
    totalBytes: undefined,
    exact: false,
    fraction: items === undefined ? undefined : items === 0 ? 1 : Math.min(1, done / items),
    byBytes: false,
  };
  const samples = s.complete + s.sized;
  if (items === undefined || samples === 0) return byFiles;
  const mean = (s.completeBytes + s.sizedTotal) / samples;
  const notStarted = Math.max(0, items - done - s.sized - s.unsized);
  const totalBytes =
    s.completeBytes +
    s.endedBytes +
    s.sizedTotal +
    Math.max(s.unsizedBytes, s.unsized * mean) +
    notStarted * mean;
  if (totalBytes <= 0) return byFiles;
  const exact = s.unsized === 0 && notStarted === 0;
  // An estimate never says 100% while items remain.
  const cap = done < items ? 0.999 : 1;
  return {
    items,
    doneBytes,
    totalBytes,
    exact,
    fraction: Math.min(cap, doneBytes / totalBytes),
    byBytes: true,
  };
}

/**
 * Time left, in ms: the bytes left at the recent byte rate when the progress is in bytes, else
 * the files left at the recent pace of finished files. Undefined while the total or the rate is
 * unknown. Pure.
 */
export function etaOf(
  progress: Progress,
  stats: RunStats,
  bytesPerSecond: number,
  itemsPerSecond: number,
): number | undefined {
  if (progress.items === undefined) return undefined;
  const bytesLeft = progress.byBytes ? Math.max(0, progress.totalBytes! - progress.doneBytes) : 0;
  if (bytesLeft > 0) return bytesPerSecond > 0 ? (bytesLeft / bytesPerSecond) * 1000 : undefined;
  // Every byte is in (the last files are being put in place), or no size is known: by files.
  const left = progress.items - doneOf(stats);
  if (left <= 0) return 0;
  return itemsPerSecond > 0 ? (left / itemsPerSecond) * 1000 : undefined;
}
