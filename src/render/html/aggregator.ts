import { VERSION } from '../../engine/options.js';
import { FailureGroups } from './failures.js';
import { HostTable } from './hosts.js';
import { hostOf, pageRecord, type PageRecord, type ReportLine } from './records.js';
import { Reservoir, TopN } from './reservoir.js';
import { Timeline } from './timeline.js';
import type { RunInfo, RunTotals, RunView, WaterfallBar } from './view.js';

/** Bars of the waterfall of the slowest items, and of its random sample. */
export const SLOWEST = 50;
export const SAMPLE = 200;

/**
 * Reads a run's report records one at a time into the run page's view: counts, a timeline, per-host
 * and per-error tallies, the slowest items and a sample. Memory is bounded whatever the number of
 * records; `random` (the samples) is injectable.
 */
export class RunAggregator {
  readonly #totals: RunTotals = {
    items: 0,
    ok: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    bytes: 0,
    requests: 0,
    retries: 0,
    saveFailed: 0,
  };
  readonly #timeline = new Timeline();
  readonly #hosts: HostTable;
  readonly #failures = new FailureGroups();
  readonly #slowest = new TopN<PageRecord>(SLOWEST, (r) => r.ms + r.queuedMs);
  readonly #sample: Reservoir<PageRecord>;
  #firstAt = Infinity;
  #lastAt = 0;
  #timed = 0;
  #phased = 0;

  constructor(random: () => number = Math.random) {
    this.#hosts = new HostTable(random);
    this.#sample = new Reservoir(SAMPLE, random);
  }

  /** Adds one report record (as parsed from its JSON line). */
  add(line: ReportLine): void {
    const r = pageRecord(line);
    const t = this.#totals;
    t.items++;
    if (r.status === 'ok') t.ok++;
    else if (r.status === 'skipped') t.skipped++;
    else if (r.status === 'failed') t.failed++;
    else if (r.status === 'cancelled') t.cancelled++;
    t.bytes += r.bytes;
    t.requests += r.attempts;
    t.retries += Math.max(0, r.attempts - 1);
    const failed = r.status === 'failed';
    if (failed) {
      t.saveFailed++;
      this.#failures.add(r.code, r.url, r.message);
    }
    this.#hosts.add(hostOf(r.url), { ...r, failed });
    if (r.connectMs + r.waitMs + r.bodyMs > 0) this.#phased++;
    if (r.endedAt > 0) {
      this.#timed++;
      const read = r.startedAt > 0 ? r.startedAt : r.endedAt - r.ms - r.queuedMs;
      this.#firstAt = Math.min(this.#firstAt, read);
      this.#lastAt = Math.max(this.#lastAt, r.endedAt);
      this.#timeline.add({
        from: read + Math.max(0, r.queuedMs - r.retryWaitMs),
        bodyFrom: r.bodyMs > 0 ? r.endedAt - r.bodyMs : r.endedAt,
        end: r.endedAt,
        bytes: r.bytes,
        failed,
        worker: r.worker,
      });
    }
    if (r.status !== 'cancelled' || r.attempts > 0) {
      this.#slowest.add(r);
      this.#sample.add(r);
    }
  }

  /** The view of what was added so far; `run` is what the run's sidecar says. */
  view(run: RunInfo = {}, now: number = Date.now()): RunView {
    const timed = this.#timed > 0;
    const firstAt = timed ? this.#firstAt : 0;
    const bar = (r: PageRecord): WaterfallBar => {
      const retryWait = Math.min(r.retryWaitMs, r.queuedMs);
      const phases = r.connectMs + r.waitMs + r.bodyMs;
      const read = r.startedAt > 0 ? r.startedAt : r.endedAt > 0 ? r.endedAt - r.ms - r.queuedMs : 0;
      return {
        url: r.url,
        status: r.status,
        code: r.code,
        start: timed && read > 0 ? Math.max(0, read - firstAt) : -1,
        queued: r.queuedMs - retryWait,
        retryWait,
        connect: r.connectMs,
        wait: r.waitMs,
        body: r.bodyMs,
        other: Math.max(0, r.ms - phases),
        total: r.ms + r.queuedMs,
      };
    };
    return {
      pageVersion: VERSION,
      generatedAt: now,
      run,
      hasTimes: timed,
      hasPhases: this.#phased > 0,
      firstAt,
      lastAt: this.#lastAt,
      totals: { ...this.#totals },
      timeline: this.#timeline.view(),
      hosts: this.#hosts.rows(),
      failures: this.#failures.groups(),
      slowest: this.#slowest.sorted().map(bar),
      sample: this.#sample.items.map(bar).sort((a, b) => a.start - b.start),
    };
  }
}
