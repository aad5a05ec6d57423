import type { RunStats } from '../index.js';
import type { ActiveDownload } from './active.js';
import { doneOf, etaOf, progressOf, totalOf, type Progress } from './estimate.js';
import { formatBytes, formatCount, formatDuration, formatRate } from './format.js';
import { RateMeter } from './rate.js';
import { truncateStart, widthOf } from './width.js';

export { doneOf, totalOf } from './estimate.js';

/** What a status line shows: the engine's counters and two rates measured on the display's timer. */
export interface StatusView {
  stats: RunStats;
  elapsedMs: number;
  /** Bytes per second over the last few seconds. */
  bytesPerSecond: number;
  /** Items finished (ok, skipped, failed or cancelled) per second over the last few seconds. */
  itemsPerSecond: number;
}

/**
 * Samples a run for its status display: call it on the display's timer. Rates are measured
 * over `bytesWindowMs` and `itemsWindowMs` (items finish in bursts, so theirs is longer).
 */
export function statusSampler(
  stats: () => RunStats,
  bytesWindowMs: number,
  itemsWindowMs: number,
): (now: number) => StatusView {
  const started = Date.now();
  const bytes = new RateMeter(bytesWindowMs);
  const items = new RateMeter(itemsWindowMs);
  bytes.sample(started, 0);
  items.sample(started, 0);
  return (now) => {
    const s = stats();
    return {
      stats: s,
      elapsedMs: now - started,
      bytesPerSecond: bytes.sample(now, s.bytes),
      itemsPerSecond: items.sample(now, doneOf(s)),
    };
  };
}

/** Time left at the recent pace, once the total is known (see `etaOf`). Pure. */
export function etaMs(view: StatusView): number | undefined {
  return etaOf(progressOf(view.stats), view.stats, view.bytesPerSecond, view.itemsPerSecond);
}

/**
 * `ok 1,200  skipped 30  failed 4  active 16  queued 3,750`, with `cancelled N` after `failed`
 * once an abort has stopped items. `queued` counts the items not read yet when the input was
 * counted, and ends in `+` while more may come. Pure.
 */
export function countsText(stats: RunStats, separator = '  '): string {
  const total = totalOf(stats);
  const queued = total === undefined ? stats.queued : total - doneOf(stats) - stats.active;
  return [
    `ok ${formatCount(stats.ok)}`,
    `skipped ${formatCount(stats.skipped)}`,
    `failed ${formatCount(stats.failed)}`,
    ...(stats.cancelled > 0 ? [`cancelled ${formatCount(stats.cancelled)}`] : []),
    `active ${formatCount(stats.active)}`,
    `queued ${formatCount(queued)}${total === undefined ? '+' : ''}`,
  ].join(separator);
}

/** `1,234/5,000 files` once the total is known, else `1,234 files done`. Pure. */
export function filesText(stats: RunStats): string {
  const total = totalOf(stats);
  const done = formatCount(doneOf(stats));
  return total === undefined ? `${done} files done` : `${done}/${formatCount(total)} files`;
}

/**
 * `31.0 MiB/100 MiB` when every size is known, `31.0 MiB/~2.1 GiB` when some are estimated,
 * `31.0 MiB` while nothing tells the total. Pure.
 */
export function bytesText(progress: Progress): string {
  const done = formatBytes(progress.doneBytes);
  if (progress.totalBytes === undefined) return done;
  return `${done}/${progress.exact ? '' : '~'}${formatBytes(Math.max(progress.totalBytes, progress.doneBytes))}`;
}

/** `31%`, floored (100% only when everything is done), or `...%` while unknown. Pure. */
export function percentText(progress: Progress): string {
  return progress.fraction === undefined ? '...%' : `${Math.floor(progress.fraction * 100)}%`;
}

/**
 * The periodic line of plain output, e.g.
 * `[1m05s] 1,234/5,000 files (ok 1,200, skipped 30, failed 4, active 16, queued 3,750) 123.4 MiB/~1.2 GiB (10%), 10.2 MiB/s, ETA 3m05s`.
 * Pure.
 */
export function statusLine(view: StatusView): string {
  const progress = progressOf(view.stats);
  const eta = etaOf(progress, view.stats, view.bytesPerSecond, view.itemsPerSecond);
  const percent = progress.fraction === undefined ? '' : ` (${percentText(progress)})`;
  return (
    `[${formatDuration(view.elapsedMs)}] ${filesText(view.stats)} (${countsText(view.stats, ', ')}) ` +
    `${bytesText(progress)}${percent}, ${formatRate(view.bytesPerSecond)}` +
    (eta === undefined ? '' : `, ETA ${formatDuration(eta)}`)
  );
}

/** A bar of `width` cells, `progress` from 0 to 1. Pure. */
export function barText(progress: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, progress)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** The widest bar the live display draws, in cells. */
export const BAR_WIDTH = 24;

/**
 * The first line of the live display, at most `width` columns: a bar (narrower on a narrow
 * terminal, left out when there is no room), the percentage, bytes done of the total, rate and
 * ETA, e.g. `[███████░░░░░░░░░░░░░░░░░]  31%  31.0 MiB/100 MiB  8.0 MiB/s  ETA 8.6s`. Pure.
 */
export function barLine(view: StatusView, width = 100): string {
  const progress = progressOf(view.stats);
  const eta = etaOf(progress, view.stats, view.bytesPerSecond, view.itemsPerSecond);
  const tail =
    `${percentText(progress).padStart(4)}  ${bytesText(progress)}  ${formatRate(view.bytesPerSecond)}` +
    `  ETA ${eta === undefined ? '--' : formatDuration(eta)}`;
  const cells = Math.min(BAR_WIDTH, width - widthOf(tail) - 3);
  if (cells < 5) return tail.trimStart();
  const bar = progress.fraction === undefined ? '·'.repeat(cells) : barText(progress.fraction, cells);
  return `[${bar}] ${tail}`;
}

/** The second line of the live display: files and the counters. Pure. */
export function countsLine(stats: RunStats): string {
  return `  ${filesText(stats)}  ${countsText(stats)}`;
}

/** One of the slowest downloads, `name` cut from the left to fit `width` columns:
 * `    12.3 KiB/s  1.2 MiB/10.0 MiB  images/a.jpg`. Pure. */
export function activeLine(a: ActiveDownload, name: string, now: number, width: number): string {
  const rate = (a.bytes * 1000) / Math.max(1, now - a.startedAt);
  const size =
    a.total === undefined ? formatBytes(a.bytes) : `${formatBytes(a.bytes)}/${formatBytes(a.total)}`;
  const head = `  ${a.retrying ? 'retrying' : formatRate(rate).padStart(12)}  ${size.padEnd(19)}  `;
  return head + truncateStart(name, Math.max(8, width - widthOf(head)));
}
