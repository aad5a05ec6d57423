import type { DownloadResult } from '../download/item.js';
import type { RunSizes, RunStats, RunSummary } from './events.js';

/** The counters of a run: results by status, cancelled items that never started, failures by code. */
export class Tally {
  ok = 0;
  skipped = 0;
  failed = 0;
  cancelled = 0;
  notStarted = 0;
  /** Bytes received in this run. */
  bytes = 0;
  /** Items ended ok or skipped and their sizes; what failed and cancelled items held. */
  complete = 0;
  completeBytes = 0;
  endedBytes = 0;
  startedAt = 0;
  readonly #failuresByCode: Record<string, number> = {};

  add(result: DownloadResult): void {
    this[result.status]++;
    if (result.status === 'ok' || result.status === 'skipped') {
      this.complete++;
      this.completeBytes += result.bytes;
    } else this.endedBytes += result.bytes;
    if (result.status === 'cancelled' && result.attempts === 0) this.notStarted++;
    if (result.status === 'failed' && result.error) {
      const { code } = result.error;
      this.#failuresByCode[code] = (this.#failuresByCode[code] ?? 0) + 1;
    }
  }

  /** The counters, with what only the run knows now: items running, waiting, started and unread. */
  stats(
    live: Pick<RunStats, 'active' | 'queued' | 'inputDone' | 'expected'>,
    started: Omit<RunSizes, 'complete' | 'completeBytes' | 'endedBytes'>,
  ): RunStats {
    const { ok, skipped, failed, cancelled, bytes, startedAt, complete, completeBytes, endedBytes } = this;
    const sizes = { complete, completeBytes, endedBytes, ...started };
    return { ok, skipped, failed, cancelled, bytes, startedAt, sizes, ...live };
  }

  summary(aborted: boolean, now: number): RunSummary {
    const { ok, skipped, failed, cancelled, notStarted, bytes } = this;
    return {
      ok,
      skipped,
      failed,
      cancelled,
      notStarted,
      bytes,
      ms: now - this.startedAt,
      aborted,
      failuresByCode: { ...this.#failuresByCode },
    };
  }
}
