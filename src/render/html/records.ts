import type { ReportRecord } from '../report.js';

/**
 * A report line as the run page reads it: every field of the current report, those that older
 * reports lack read as 0 or `''`. Times are milliseconds; `startedAt` and `endedAt` are since the
 * epoch (0: not recorded).
 */
export interface PageRecord extends Pick<
  ReportRecord,
  | 'url'
  | 'bytes'
  | 'attempts'
  | 'ms'
  | 'queuedMs'
  | 'startedAt'
  | 'endedAt'
  | 'connectMs'
  | 'waitMs'
  | 'bodyMs'
  | 'retryWaitMs'
  | 'ttfbMs'
  | 'retryAfterMs'
  | 'worker'
> {
  /** As the line says, whatever it says (a newer report may have other statuses). */
  status: string;
  /** The error's code and message; `''` when it did not fail. */
  code: string;
  message: string;
}

/**
 * A report line as parsed from its JSON: a `ReportRecord`, or one of an older or newer report.
 * Nothing about its fields is assumed.
 */
export type ReportLine = object;

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A parsed report line → the page's record; missing or ill-typed fields read as 0 or `''`. Pure. */
export function pageRecord(record: ReportLine): PageRecord {
  const line = record as Partial<Record<keyof ReportRecord, unknown>> & Record<string, unknown>;
  const error = line.error as { code?: unknown; message?: unknown } | undefined;
  return {
    url: str(line.url),
    status: str(line.status),
    bytes: num(line.bytes),
    attempts: num(line.attempts),
    ms: num(line.ms),
    queuedMs: num(line.queuedMs),
    code: str(error?.code),
    message: str(error?.message),
    startedAt: num(line.startedAt),
    endedAt: num(line.endedAt),
    connectMs: num(line.connectMs),
    waitMs: num(line.waitMs),
    bodyMs: num(line.bodyMs),
    retryWaitMs: num(line.retryWaitMs),
    ttfbMs: num(line.ttfbMs),
    retryAfterMs: num(line.retryAfterMs),
    worker: str(line.worker),
  };
}

/** The host of a URL (`host:port` when a port is given); `''` when it does not parse. Pure. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
