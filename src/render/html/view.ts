import type { FailureGroup } from './failures.js';
import type { HostRow } from './hosts.js';
import type { TimelineView } from './timeline.js';

/**
 * What a run's sidecar file (`REPORT.run.json`) says about the run; every field may be missing
 * (an older run, or a report without its sidecar).
 */
export interface RunInfo {
  version?: string;
  /** Milliseconds since the epoch. */
  startedAt?: number;
  endedAt?: number;
  argv?: string[];
  options?: object;
  summary?: Record<string, unknown>;
}

/** One bar of the waterfall: where the item's time went, in milliseconds. */
export interface WaterfallBar {
  url: string;
  status: string;
  code: string;
  /** From the run's start to when the item was read; -1 when the report has no times. */
  start: number;
  /** Waiting for its first turn. */
  queued: number;
  /** Waiting before retries (Retry-After or backoff). */
  retryWait: number;
  connect: number;
  /** From the request sent to the response's headers. */
  wait: number;
  body: number;
  /** The rest of the time worked on: earlier attempts, the file. */
  other: number;
  total: number;
}

export interface RunTotals {
  items: number;
  ok: number;
  skipped: number;
  failed: number;
  cancelled: number;
  bytes: number;
  requests: number;
  retries: number;
  /** The items `--save-failed` writes, which a run of that list downloads again. */
  saveFailed: number;
}

/** Everything the page draws: small whatever the run's size. */
export interface RunView {
  /** The parafetch that drew the page. */
  pageVersion: string;
  generatedAt: number;
  run: RunInfo;
  /** Whether the report records when items were read and finished (`startedAt`, `endedAt`). */
  hasTimes: boolean;
  /** Whether it records the phases of a request (connect, wait, body). */
  hasPhases: boolean;
  /** Epoch ms of the first item read and the last finished, from the records; 0 when unknown. */
  firstAt: number;
  lastAt: number;
  totals: RunTotals;
  timeline: TimelineView;
  hosts: HostRow[];
  failures: FailureGroup[];
  slowest: WaterfallBar[];
  sample: WaterfallBar[];
}
