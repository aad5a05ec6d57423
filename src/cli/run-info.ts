import fs from 'node:fs/promises';
import type { RunSummary } from '../engine/events.js';
import type { NormalizedOptions } from '../engine/options.js';
import { VERSION } from '../engine/options.js';
import { redactCredentials } from '../transport/credentials.js';

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

/** Flags whose value is a password, or holds one. */
const SECRET_FLAGS: ReadonlySet<string> = new Set([
  '-u',
  '--user',
  '--password',
  '--http-user',
  '--http-password',
  '--proxy-user',
  '--proxy-password',
]);
const HEADER_FLAGS: ReadonlySet<string> = new Set(['-H', '--header']);
/** Request headers whose values are secrets. */
const SECRET_HEADERS = /^\s*(authorization|proxy-authorization|cookie)\s*:/i;

/** A `USER:PASSWORD` value with its password masked (a lone user name may be a token: masked). */
function maskUserPassword(value: string): string {
  const colon = value.indexOf(':');
  return colon === -1 ? '***' : `${value.slice(0, colon)}:***`;
}

function maskHeader(value: string): string {
  return SECRET_HEADERS.test(value) ? `${value.slice(0, value.indexOf(':'))}: ***` : value;
}

/**
 * `argv` with every secret masked: the credentials of URLs, the values of `-u`/`--user` (and of
 * other tools' password flags), and the values of Authorization and Cookie headers given with
 * `-H`, in every spelling (`-u V`, `-uV`, `--user=V`). Pure.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let next: ((v: string) => string) | undefined;
  for (const raw of argv) {
    const arg = redactCredentials(raw);
    if (next) {
      out.push(next(arg));
      next = undefined;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const mask = SECRET_FLAGS.has(flag) ? maskUserPassword : HEADER_FLAGS.has(flag) ? maskHeader : undefined;
    if (mask && eq !== -1) out.push(`${flag}=${mask(arg.slice(eq + 1))}`);
    else if (mask) {
      out.push(arg);
      next = mask;
    } else if (/^-u./.test(arg)) out.push(`-u${maskUserPassword(arg.slice(2))}`);
    else if (/^-H./.test(arg)) out.push(`-H${maskHeader(arg.slice(2))}`);
    else out.push(arg);
  }
  return out;
}

/** Options named like a rate limit, when the run has one. */
export const RATE_OPTIONS = ['limitRate', 'rateLimit', 'maxRate'] as const;

/** Request headers with the values of Authorization, Proxy-Authorization and Cookie masked. Pure. */
export function maskedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, SECRET_HEADERS.test(`${k}:`) ? '***' : v]),
  );
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
  };
  for (const name of RATE_OPTIONS) {
    const value = (o as unknown as Record<string, unknown>)[name];
    if (value !== undefined) view[name] = value;
  }
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
