import type { RunSummary } from '../engine/events.js';
import type { DownloadOptions } from '../engine/options.js';
import type { ReportRecord } from '../render/report.js';
import { redactCredentials } from '../transport/credentials.js';
import { maskedHeaders } from '../render/redact-run.js';
import { emptySummary } from './run-info.js';

/**
 * What a merged report's lines tell of the run as a whole (a run over many machines keeps no
 * summary of its own): its counts, and its span from the earliest item's start to the latest
 * item's end.
 */
export class ReportTotals {
  startedAt = 0;
  endedAt = 0;
  readonly #summary = emptySummary();

  /** Counts one report line. */
  add(line: string): void {
    const r = JSON.parse(line) as Partial<ReportRecord>;
    const s = this.#summary;
    if (r.status === 'ok' || r.status === 'skipped' || r.status === 'failed' || r.status === 'cancelled') {
      s[r.status]++;
    }
    if (r.status === 'cancelled' && r.attempts === 0) s.notStarted++;
    if (r.status === 'failed') {
      const code = r.error?.code ?? '';
      s.failuresByCode[code] = (s.failuresByCode[code] ?? 0) + 1;
    } else s.bytes += r.bytes ?? 0;
    if (typeof r.startedAt === 'number' && r.startedAt > 0) {
      this.startedAt = this.startedAt === 0 ? r.startedAt : Math.min(this.startedAt, r.startedAt);
    }
    if (typeof r.endedAt === 'number') this.endedAt = Math.max(this.endedAt, r.endedAt);
  }

  summary(): RunSummary {
    return { ...this.#summary, ms: Math.max(0, this.endedAt - this.startedAt) };
  }
}

/**
 * The options of a run over many machines as its record keeps them (each worker sets its own
 * concurrency), as plain JSON without secrets (see runOptionsView). Pure.
 */
export function recordOptionsView(o: DownloadOptions): Record<string, unknown> {
  const view: Record<string, unknown> = {
    dir: o.dir,
    perHost: o.perHost,
    retries: o.retries,
    split: o.split,
    minSplitSize: o.minSplitSize,
    output: o.output,
    timeouts: o.timeouts,
    maxRedirects: o.maxRedirects,
    overwrite: o.overwrite,
    hash: o.hash,
    durable: o.durable,
    userAgent: o.userAgent,
    headers: maskedHeaders(o.headers ?? {}),
    proxy: typeof o.proxy === 'string' ? redactCredentials(o.proxy) : undefined,
    auth: o.auth !== undefined,
    limitRate: o.limitRate,
    maxFileRate: o.maxFileRate,
    http2: o.http2,
  };
  return JSON.parse(JSON.stringify(view)) as Record<string, unknown>;
}
