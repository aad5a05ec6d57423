import fs from 'node:fs/promises';
import type { RunSummary } from '../engine/events.js';
import type { NormalizedOptions } from '../engine/options.js';
import { VERSION } from '../engine/options.js';
import { maskedHeaders, redactArgv } from '../render/redact-run.js';
import { redactCredentials } from '../transport/credentials.js';

export { redactArgv } from '../render/redact-run.js';

/**
 * What a report's reader needs to know of the run besides its items, written beside the report
 * as `FILE.run.json`: at the start (with `endedAt` 0, so that a killed run leaves one) and again
 * at the end.
 */
export interface RunInfo {
  version: string;
  /** When the run started and ended, in ms since the epoch; `endedAt` 0 while it runs. */
  startedAt: number;
  endedAt: number;
  /** The command's arguments, with passwords, tokens and cookies masked. */
  argv: string[];
  /** The options that shape the run (see runOptionsView); no secret. */
  options: Record<string, unknown>;
  summary: RunSummary;
}

/** The run-info file of the report `report`: beside it, plain JSON whatever the report's compression. */
export function runInfoPath(report: string): string {
  return `${report}.run.json`;
}

/** A summary of nothing yet: what the run-info file says while the run goes on. */
export function emptySummary(): RunSummary {
  const none = { ok: 0, skipped: 0, failed: 0, cancelled: 0, notStarted: 0, bytes: 0, ms: 0 };
  return { ...none, aborted: false, failuresByCode: {} };
}

/**
 * The options a report's reader wants to see, as plain JSON: where and how wide the run went,
 * its retries and its output. No secret: credentials are only said to be there, the values of
 * Authorization and Cookie headers are masked, a proxy's credentials too. Pure.
 */
export function runOptionsView(o: NormalizedOptions): Record<string, unknown> {
  const view: Record<string, unknown> = {
    dir: o.remote ?? o.dir,
    concurrency: o.concurrency,
    perHost: o.perHost,
    retries: o.retries,
    split: o.split,
    minSplitSize: o.minSplitSize,
    workers: o.workers,
    output: { ...o.output },
    timeouts: { ...o.timeouts },
    maxRedirects: o.maxRedirects,
    overwrite: o.overwrite,
    hash: o.hash,
    durable: o.durable,
    userAgent: o.userAgent,
    headers: maskedHeaders(o.headers),
    proxy: redactCredentials(o.proxy),
    auth: o.auth !== undefined,
    netrc: o.netrc !== undefined,
    cookies: o.cookies !== undefined,
    limitRate: o.limitRate,
    maxFileRate: o.maxFileRate,
    http2: o.http2,
  };
  return JSON.parse(JSON.stringify(view)) as Record<string, unknown>;
}

/**
 * The run-info file of one run: `start` writes it as the run starts, `end` once it has ended.
 * A file that cannot be written rejects with a message naming it.
 */
export class RunInfoFile {
  readonly #file: string;
  readonly #info: RunInfo;

  constructor(report: string, argv: readonly string[], options: NormalizedOptions, now = Date.now()) {
    this.#file = runInfoPath(report);
    this.#info = {
      version: VERSION,
      startedAt: now,
      endedAt: 0,
      argv: redactArgv(argv),
      options: runOptionsView(options),
      summary: emptySummary(),
    };
  }

  start(): Promise<void> {
    return this.#write();
  }

  end(summary: RunSummary, now = Date.now()): Promise<void> {
    this.#info.endedAt = now;
    this.#info.summary = summary;
    return this.#write();
  }

  async #write(): Promise<void> {
    try {
      await writeRunInfo(this.#file, this.#info);
    } catch (err) {
      throw new Error(`cannot write ${this.#file}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Writes `info` to `file`, replacing what was there in one step (a reader never sees half of it). */
export async function writeRunInfo(file: string, info: RunInfo): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(info, null, 2)}\n`);
  await fs.rename(temp, file);
}
