import type { ProgressEvent, RetryEvent, StartEvent } from '../index.js';

/** What a display shows of one download in flight. */
export interface ActiveDownload {
  readonly index: number;
  readonly url: string;
  path: string | undefined;
  bytes: number;
  total: number | undefined;
  readonly startedAt: number;
  /** Waiting to retry after a failed attempt. */
  retrying: boolean;
}

/**
 * The downloads in flight, kept from the engine's events for a progress display: added on
 * `start`, updated on `progress` and `retry`, removed on the result. Its size is bounded by the
 * engine's concurrency plus the items waiting to retry.
 */
export class ActiveDownloads {
  readonly #byIndex = new Map<number, ActiveDownload>();

  start(e: StartEvent, now: number): void {
    this.#byIndex.set(e.index, {
      index: e.index,
      url: e.url,
      path: undefined,
      bytes: 0,
      total: undefined,
      startedAt: now,
      retrying: false,
    });
  }

  progress(e: ProgressEvent): void {
    const a = this.#byIndex.get(e.index);
    if (!a) return;
    a.path = e.path;
    a.bytes = e.bytes;
    a.total = e.total;
    a.retrying = false;
  }

  retry(e: RetryEvent): void {
    const a = this.#byIndex.get(e.index);
    if (a) a.retrying = true;
  }

  end(index: number): void {
    this.#byIndex.delete(index);
  }

  get size(): number {
    return this.#byIndex.size;
  }

  /**
   * The `n` downloads with the lowest average rate so far, slowest first, among those running
   * for at least `minAgeMs` (a download that just started says nothing about its speed yet).
   */
  slowest(n: number, now: number, minAgeMs = 1000): ActiveDownload[] {
    const rate = (a: ActiveDownload) => a.bytes / Math.max(1, now - a.startedAt);
    const out: ActiveDownload[] = [];
    for (const a of this.#byIndex.values()) {
      if (now - a.startedAt < minAgeMs) continue;
      if (out.length < n) out.push(a);
      else if (rate(a) < rate(out[out.length - 1]!)) out[out.length - 1] = a;
      else continue;
      out.sort((x, y) => rate(x) - rate(y));
    }
    return out;
  }
}
