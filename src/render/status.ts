import type { RunStats } from '../index.js';
import type { ActiveDownload } from './active.js';
import { formatBytes, formatCount, formatDuration, formatRate, truncateStart } from './format.js';
import { RateMeter } from './rate.js';

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

/** Items finished so far. Pure. */
export function doneOf(stats: RunStats): number {
  return stats.ok + stats.skipped + stats.failed + stats.cancelled;
}

/** The number of items in the run, once the whole input has been read. Pure. */
export function totalOf(stats: RunStats): number | undefined {
  return stats.inputDone ? doneOf(stats) + stats.active + stats.queued : undefined;
}

/** Time left at the recent pace of finished items, once the total is known. Pure. */
export function etaMs(view: StatusView): number | undefined {
  const total = totalOf(view.stats);
  if (total === undefined) return undefined;
  const left = total - doneOf(view.stats);
  if (left <= 0) return 0;
  return view.itemsPerSecond > 0 ? (left / view.itemsPerSecond) * 1000 : undefined;
}

/**
 * `ok 1,200  skipped 30  failed 4  active 16  queued 3,750`, with `cancelled N` after `failed`
 * once an abort has stopped items. Pure.
 */
export function countsText(stats: RunStats, separator = '  '): string {
  return [
    `ok ${formatCount(stats.ok)}`,
    `skipped ${formatCount(stats.skipped)}`,
    `failed ${formatCount(stats.failed)}`,
    ...(stats.cancelled > 0 ? [`cancelled ${formatCount(stats.cancelled)}`] : []),
    `active ${formatCount(stats.active)}`,
    `queued ${formatCount(stats.queued)}${stats.inputDone ? '' : '+'}`,
  ].join(separator);
}

/** `1,234/5,000 files` once the total is known, else `1,234 files done`. Pure. */
export function filesText(stats: RunStats): string {
  const total = totalOf(stats);
  const done = formatCount(doneOf(stats));
  return total === undefined ? `${done} files done` : `${done}/${formatCount(total)} files`;
}

/**
 * The periodic line of plain output, e.g.
 * `[1m05s] 1,234/5,000 files (ok 1,200, skipped 30, failed 4, active 16, queued 3,750) 123.4 MiB, 10.2 MiB/s, ETA 3m05s`.
 * Pure.
 */
export function statusLine(view: StatusView): string {
  const eta = etaMs(view);
  return (
    `[${formatDuration(view.elapsedMs)}] ${filesText(view.stats)} (${countsText(view.stats, ', ')}) ` +
    `${formatBytes(view.stats.bytes)}, ${formatRate(view.bytesPerSecond)}` +
    (eta === undefined ? '' : `, ETA ${formatDuration(eta)}`)
  );
}

/** A bar of `width` cells, `progress` from 0 to 1. Pure. */
export function barText(progress: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, progress)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/**
 * The first line of the live display: a bar and percentage once the total is known, files,
 * bytes, rate and ETA. Pure.
 */
export function barLine(view: StatusView, barWidth = 24): string {
  const total = totalOf(view.stats);
  const eta = etaMs(view);
  const head =
    total === undefined
      ? `[${'·'.repeat(barWidth)}]  ...%`
      : `[${barText(total === 0 ? 1 : doneOf(view.stats) / total, barWidth)}] ${String(
          Math.floor(total === 0 ? 100 : (doneOf(view.stats) / total) * 100),
        ).padStart(3)}%`;
  return (
    `${head}  ${filesText(view.stats)}  ${formatBytes(view.stats.bytes)}  ${formatRate(view.bytesPerSecond)}` +
    `  ETA ${eta === undefined ? '--' : formatDuration(eta)}`
  );
}

/** One of the slowest downloads, `name` cut from the left to fit `width`:
 * `    12.3 KiB/s  1.2 MiB/10.0 MiB  images/a.jpg`. Pure. */
export function activeLine(a: ActiveDownload, name: string, now: number, width: number): string {
  const rate = (a.bytes * 1000) / Math.max(1, now - a.startedAt);
  const size =
    a.total === undefined ? formatBytes(a.bytes) : `${formatBytes(a.bytes)}/${formatBytes(a.total)}`;
  const head = `  ${a.retrying ? 'retrying' : formatRate(rate).padStart(12)}  ${size.padEnd(19)}  `;
  return head + truncateStart(name, Math.max(8, width - 1 - head.length));
}
