import type { DownloadResult } from '../download/item.js';
import type { RunStats, RunSummary } from './events.js';

/** The counters of a run: results by status, cancelled items that never started, failures by code. */
export class Tally {
  ok = 0;
  skipped = 0;
  failed = 0;
  cancelled = 0;
  notStarted = 0;
  /** Bytes received in this run. */
  bytes = 0;
  startedAt = 0;
  readonly #failuresByCode: Record<string, number> = {};

  add(result: DownloadResult): void {
    this[result.status]++;
    if (result.status === 'cancelled' && result.attempts === 0) this.notStarted++;
    if (result.status === 'failed' && result.error) {
      const { code } = result.error;
      this.#failuresByCode[code] = (this.#failuresByCode[code] ?? 0) + 1;
    }
  }

  stats(live: Pick<RunStats, 'active' | 'queued' | 'inputDone'>): RunStats {
    const { ok, skipped, failed, cancelled, bytes, startedAt } = this;
    return { ok, skipped, failed, cancelled, bytes, startedAt, ...live };
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
