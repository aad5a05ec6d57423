import os from 'node:os';
import path from 'node:path';
import { InvalidOptionError } from '../errors/index.js';
import { HEADER_VALUE_FORBIDDEN, normalizeHeaders } from '../download/rules.js';
import type { SplitSetting } from '../download/split-plan.js';
import { resolveProxies, type ProxySettings } from '../transport/proxy-settings.js';
import { boolean, integer, number, plainObject } from './option-checks.js';
import { normalizeAuth, type CookieOptions, type NormalizedCookies } from './auth-options.js';
import type { Credentials } from '../transport/credentials.js';
import type { NetrcEntry } from '../transport/netrc.js';
import {
  isRemoteDir,
  normalizeOutput,
  normalizeS3,
  type NormalizedOutput,
  type NormalizedS3,
  type OutputOptions,
  type S3Options,
} from './output-options.js';

/** What to do when the destination file already exists. */
export type OverwritePolicy = 'skip' | 'overwrite' | 'rename';

export interface BackoffOptions {
  /** Delay before the first retry, in ms (default 500). */
  baseMs?: number;
  /** Upper bound of any computed delay, in ms (default 30 000). */
  maxMs?: number;
  /** Growth factor between attempts (default 2). */
  factor?: number;
  /** Randomise each delay between half and all of its value (default true). */
  jitter?: boolean;
}

export interface TimeoutOptions {
  /** Establishing the TCP/TLS connection, in ms (default 30 000). */
  connect?: number;
  /** From the request sent to the response headers, in ms (default 60 000). */
  headers?: number;
  /** The longest pause between two body chunks before the download counts as stalled, in ms (default 60 000). */
  stall?: number;
}

export interface LowSpeedOptions {
  /** A body arriving slower than this, in bytes per second, over `seconds` fails with `LOW_SPEED` (default 1024; 0 disables). */
  bytesPerSecond?: number;
  /** The window the speed is measured over, in whole seconds (default 60). */
  seconds?: number;
}

export interface DownloadOptions {
  /**
   * Folder every destination is relative to, and which no destination may leave (default: cwd);
   * or `s3://bucket/prefix` for object storage (see `s3`).
   */
  dir?: string;
  /** Loose files (default) or WebDataset shards. */
  output?: OutputOptions;
  /** How object storage is reached, for a `dir` of `s3://…`. */
  s3?: S3Options;
  /** Files downloading at once (default 16). */
  concurrency?: number;
  /** Connections at once to one origin, across all files and segments (default: `concurrency`). */
  perHost?: number;
  /** Further attempts after the first fails with a transient error (default 5). */
  retries?: number;
  backoff?: BackoffOptions;
  /** A `Retry-After` longer than this fails the item instead of waiting, in ms (default 300 000). */
  maxRetryAfterMs?: number;
  timeouts?: TimeoutOptions;
  /** Redirects followed per request (default 10). */
  maxRedirects?: number;
  /** Headers sent with every request; an item's own headers override them. */
  headers?: Record<string, string>;
  /** `User-Agent` header (default `parafetch/<version>`). */
  userAgent?: string;
  /** When the destination exists: skip it (default), overwrite it, or keep both (`name.1.ext`). */
  overwrite?: OverwritePolicy;
  /**
   * A shorter file at the destination is continued from its length with a range request, its
   * size checked against the server's, as wget and aria2c `-c` do (default false: it is kept).
   * With `overwrite: 'skip'` and files in a local folder only.
   */
  continue?: boolean;
  /** Take the file name from `Content-Disposition` when an item has no path (default false). */
  contentDisposition?: boolean;
  /** Do not verify TLS certificates (default false). */
  insecure?: boolean;
  /** Extra trusted CA certificates (PEM) for TLS. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** `'env'` honours HTTP(S)_PROXY / NO_PROXY (default); `'none'` connects directly; or a proxy URL (`host:port` means `http://host:port`). */
  proxy?: string;
  /** The low-speed limit of every connection: a trickling server fails with `LOW_SPEED` and is retried. */
  lowSpeed?: LowSpeedOptions;
  /** Compute the SHA-256 of every file written (default true). An item's `sha256` is always verified. */
  hash?: boolean;
  /**
   * Sync every file's data to the device before its rename (default false: only files over
   * 256 KiB are; a smaller one may be empty or short under its name after a power loss).
   */
  durable?: boolean;
  /** Cancels the run: no new work starts, in-flight requests stop, their items fail with `ABORTED`. */
  signal?: AbortSignal;
  /** Least time between two `progress` events of one item, in ms (default 250). */
  progressIntervalMs?: number;
  /**
   * Connections per file at most: a large file from a server with range support is fetched as
   * parallel ranges over connections the run leaves idle (never more than `concurrency` in all).
   * `'auto'` (default) allows up to 16; 1 never splits.
   */
  split?: SplitSetting;
  /** Smallest range worth its own connection, in bytes; a file is split only above twice this (default 1 MiB). */
  minSplitSize?: number;
  /** How often a long download records its progress for a resume after a crash, in ms (default 1000). */
  checkpointMs?: number;
  /**
   * Event loops making transfers: this thread's and `workers - 1` worker threads, each started
   * when first given an item (default: one per core but one; 1: no worker thread).
   */
  workers?: number;
  /**
   * Basic credentials for the origin of every item URL that carries none of its own (as curl
   * `-u`): never sent to a redirect to another origin. A URL's own `user:pass@` comes first.
   */
  auth?: Credentials;
  /**
   * Credentials from a netrc file, for the origin of an item URL that has no others: `true`
   * reads `~/.netrc` (none when it does not exist), a path reads that file (default: none).
   */
  netrc?: boolean | string;
  /**
   * Keep cookies, as a browser does: those a response sets are sent with later requests (hops
   * of a redirect too) whose domain, path and scheme they fit, until they expire. Off unless
   * given; `{}` keeps them in memory for the run.
   */
  cookies?: CookieOptions;
  /**
   * Bytes per second of the whole run, every connection and worker thread together (default 0:
   * no limit). Held by this process: runs in other processes each have their own.
   */
  limitRate?: number;
  /** Bytes per second of each file, its ranges together (default 0: no limit). */
  maxFileRate?: number;
  /** Offer HTTP/2 to https origins; a connection that takes it carries up to `perHost` requests at once (default false). */
  http2?: boolean;
}

export interface NormalizedOptions {
  /** The local folder (absolute); with object storage, the working folder, which nothing is written to. */
  dir: string;
  /** `s3://bucket/prefix` when the output goes to object storage. */
  remote: string | undefined;
  output: NormalizedOutput;
  s3: NormalizedS3;
  concurrency: number;
  perHost: number;
  retries: number;
  backoff: Required<BackoffOptions>;
  maxRetryAfterMs: number;
  timeouts: Required<TimeoutOptions>;
  maxRedirects: number;
  headers: Record<string, string>;
  userAgent: string;
  overwrite: OverwritePolicy;
  continue: boolean;
  contentDisposition: boolean;
  insecure: boolean;
  ca: ReadonlyArray<string | Buffer> | undefined;
  proxy: string;
  /** The proxies `proxy` stands for, read from the environment once, here. */
  proxies: ProxySettings;
  lowSpeed: Required<LowSpeedOptions>;
  hash: boolean;
  durable: boolean;
  signal: AbortSignal | undefined;
  progressIntervalMs: number;
  split: SplitSetting;
  minSplitSize: number;
  checkpointMs: number;
  workers: number;
  auth: Credentials | undefined;
  /** The entries of the netrc file, read once, here. */
  netrc: NetrcEntry[] | undefined;
  cookies: NormalizedCookies | undefined;
  /** Bytes per second of the whole run; 0: no limit. */
  limitRate: number;
  /** Bytes per second of each file; 0: no limit. */
  maxFileRate: number;
  http2: boolean;
}

export const VERSION = '0.1.0';

const KEYS: ReadonlySet<string> = new Set<keyof DownloadOptions>([
  'dir',
  'concurrency',
  'perHost',
  'retries',
  'backoff',
  'maxRetryAfterMs',
  'timeouts',
  'maxRedirects',
  'headers',
  'userAgent',
  'overwrite',
  'continue',
  'contentDisposition',
  'insecure',
  'ca',
  'proxy',
  'lowSpeed',
  'hash',
  'durable',
  'signal',
  'progressIntervalMs',
  'split',
  'minSplitSize',
  'checkpointMs',
  'workers',
  'limitRate',
  'maxFileRate',
  'http2',
  'output',
  's3',
  'auth',
  'netrc',
  'cookies',
]);

/** `split`: 'auto', or a number of connections per file from 1 (never split) to LIMITS.split. */
function splitSetting(value: unknown): SplitSetting {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > LIMITS.split) {
    throw new InvalidOptionError('split', `'auto' or an integer from 1 to ${LIMITS.split}`, value);
  }
  return value;
}

/** The defaults and upper bounds of the options a command line also sets: one source for both. */
export const DEFAULTS = {
  concurrency: 16,
  retries: 5,
  maxRedirects: 10,
  split: 'auto' as SplitSetting,
  minSplitSize: 1024 * 1024,
  timeouts: { connect: 30_000, headers: 60_000, stall: 60_000 },
  lowSpeed: { bytesPerSecond: 1024, seconds: 60 },
} as const;
export const LIMITS = {
  concurrency: 65_536,
  retries: 1000,
  maxRedirects: 1000,
  split: 1024,
  lowSpeedSeconds: 86_400,
  workers: 256,
} as const;

/**
 * Event loops making transfers by default: one per core but one, which is left to the kernel's
 * socket and file work (as much again as the transfers' own on a busy run) and to the rest of
 * the machine; at least one. On 2 cores that is this thread's loop alone (see the README).
 */
export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/** Validates every option once, rejects unknown keys, and fills in the defaults. */
export function normalizeOptions(options: DownloadOptions = {}): NormalizedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw InvalidOptionError.unknown(key, KEYS);
  }
  const o = options as Record<string, unknown>;

  if (o.dir !== undefined && (typeof o.dir !== 'string' || o.dir === '')) {
    throw new InvalidOptionError('dir', 'a non-empty string', o.dir);
  }
  const concurrency = integer('concurrency', o.concurrency, 1, DEFAULTS.concurrency, LIMITS.concurrency);
  const perHost = integer('perHost', o.perHost, 1, concurrency, LIMITS.concurrency);

  const b = plainObject('backoff', o.backoff, ['baseMs', 'maxMs', 'factor', 'jitter']);
  const backoff = {
    baseMs: number('backoff.baseMs', b.baseMs, 0, 500),
    maxMs: number('backoff.maxMs', b.maxMs, 0, 30_000),
    factor: number('backoff.factor', b.factor, 1, 2),
    jitter: boolean('backoff.jitter', b.jitter, true),
  };

  const t = plainObject('timeouts', o.timeouts, ['connect', 'headers', 'stall']);
  const timeouts = {
    connect: integer('timeouts.connect', t.connect, 1, DEFAULTS.timeouts.connect),
    headers: integer('timeouts.headers', t.headers, 1, DEFAULTS.timeouts.headers),
    stall: integer('timeouts.stall', t.stall, 1, DEFAULTS.timeouts.stall),
  };

  const overwrite = o.overwrite ?? 'skip';
  if (overwrite !== 'skip' && overwrite !== 'overwrite' && overwrite !== 'rename') {
    throw new InvalidOptionError('overwrite', "one of 'skip', 'overwrite', 'rename'", overwrite);
  }

  if (
    o.userAgent !== undefined &&
    (typeof o.userAgent !== 'string' || HEADER_VALUE_FORBIDDEN.test(o.userAgent))
  ) {
    throw new InvalidOptionError('userAgent', 'a string without line breaks or NUL', o.userAgent);
  }

  let ca: ReadonlyArray<string | Buffer> | undefined;
  if (o.ca !== undefined) {
    const list = Array.isArray(o.ca) ? (o.ca as unknown[]) : [o.ca];
    for (const c of list) {
      if (typeof c !== 'string' && !Buffer.isBuffer(c)) {
        throw new InvalidOptionError('ca', 'a PEM string or Buffer, or an array of them', o.ca);
      }
    }
    ca = list as ReadonlyArray<string | Buffer>;
  }

  const proxy = o.proxy ?? 'env';
  // Validates the setting, and the environment's proxies when it is 'env'.
  const proxies = resolveProxies(proxy);

  const l = plainObject('lowSpeed', o.lowSpeed, ['bytesPerSecond', 'seconds']);
  const lowSpeed = {
    bytesPerSecond: integer('lowSpeed.bytesPerSecond', l.bytesPerSecond, 0, DEFAULTS.lowSpeed.bytesPerSecond),
    seconds: integer('lowSpeed.seconds', l.seconds, 1, DEFAULTS.lowSpeed.seconds, LIMITS.lowSpeedSeconds),
  };

  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  }

  const remote = typeof o.dir === 'string' && isRemoteDir(o.dir) ? o.dir : undefined;
  const output = normalizeOutput(o.output);
  const continues = boolean('continue', o.continue, false);
  if (continues && (overwrite !== 'skip' || remote !== undefined || output.format !== 'files')) {
    throw new InvalidOptionError(
      'continue',
      "false with overwrite other than 'skip', with object storage or with shards (it continues files in a folder)",
      o.continue,
    );
  }
  return {
    dir: path.resolve(typeof o.dir === 'string' && !remote ? o.dir : process.cwd()),
    remote,
    output,
    s3: normalizeS3(o.s3),
    concurrency,
    perHost,
    retries: integer('retries', o.retries, 0, DEFAULTS.retries, LIMITS.retries),
    backoff,
    maxRetryAfterMs: integer('maxRetryAfterMs', o.maxRetryAfterMs, 0, 300_000),
    timeouts,
    maxRedirects: integer('maxRedirects', o.maxRedirects, 0, DEFAULTS.maxRedirects, LIMITS.maxRedirects),
    headers: normalizeHeaders('headers', o.headers),
    userAgent: (o.userAgent as string | undefined) ?? `parafetch/${VERSION}`,
    overwrite,
    continue: continues,
    contentDisposition: boolean('contentDisposition', o.contentDisposition, false),
    insecure: boolean('insecure', o.insecure, false),
    ca,
    proxy: proxy as string,
    proxies,
    lowSpeed,
    hash: boolean('hash', o.hash, true),
    durable: boolean('durable', o.durable, false),
    signal,
    progressIntervalMs: integer('progressIntervalMs', o.progressIntervalMs, 0, 250),
    split: splitSetting(o.split),
    minSplitSize: integer('minSplitSize', o.minSplitSize, 1, DEFAULTS.minSplitSize),
    checkpointMs: integer('checkpointMs', o.checkpointMs, 10, 1000),
    workers: integer('workers', o.workers, 1, defaultWorkers(), LIMITS.workers),
    ...normalizeAuth(o),
    limitRate: integer('limitRate', o.limitRate, 0, 0),
    maxFileRate: integer('maxFileRate', o.maxFileRate, 0, 0),
    http2: boolean('http2', o.http2, false),
  };
}
