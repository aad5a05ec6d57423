import { InvalidOptionError, type DownloadOptions } from '../index.js';
import { redactProxy, resolveProxies } from '../transport/proxy-settings.js';
import type { InputFormat } from '../inputs/index.js';
import type { ParsedFlags } from './program.js';
import { urlProblem } from './values.js';

/** A mistake in how the command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

export type ProgressMode = 'bar' | 'plain' | 'none';

/** Everything the command needs, decided from argv and the environment before anything starts. */
export interface CliConfig {
  urls: string[];
  /** `-o`: the name of the single URL. */
  out: string | undefined;
  inputs: string[];
  inputFormat: InputFormat | undefined;
  /** The engine's options, without the signal. */
  options: DownloadOptions;
  report: string | undefined;
  saveFailed: string | undefined;
  /** `--report-html`: the run page, written at the end. */
  reportHtml: string | undefined;
  progress: ProgressMode;
  json: boolean;
  quiet: boolean;
  /** `--dry-run`: print what would be fetched where, and make no request. */
  dryRun: boolean;
}

/** The engine's segmented downloads: `-x/--split` and `-k/--min-split-size`, passed through as is. */
export function segmentOptions(flags: Pick<ParsedFlags, 'split' | 'minSplitSize'>): DownloadOptions {
  return { split: flags.split, minSplitSize: flags.minSplitSize };
}

/** `-u`, `--netrc`, `--netrc-file`, `--load-cookies`, `--save-cookies`: credentials and cookies. */
export function authOptions(
  flags: Pick<ParsedFlags, 'user' | 'netrc' | 'netrcFile' | 'loadCookies' | 'saveCookies'>,
): DownloadOptions {
  const { loadCookies: load, saveCookies: save } = flags;
  const netrc = flags.netrcFile ?? (flags.netrc === true ? true : undefined);
  return {
    ...(flags.user === undefined ? {} : { auth: flags.user }),
    ...(netrc === undefined ? {} : { netrc }),
    ...(load === undefined && save === undefined
      ? {}
      : { cookies: { ...(load === undefined ? {} : { load }), ...(save === undefined ? {} : { save }) } }),
  };
}

/** A malformed proxy in the environment is a usage error naming the variable, as curl fails on it. */
function checkEnvProxies(env: NodeJS.ProcessEnv = process.env): void {
  try {
    resolveProxies('env', env);
  } catch (err) {
    if (!(err instanceof InvalidOptionError)) throw err;
    const value = JSON.stringify(redactProxy(env[err.key] ?? ''));
    throw new UsageError(
      `environment variable ${err.key} is not an http(s) proxy URL: ${value}; ` +
        `fix or unset it, or give --proxy URL or --proxy none`,
    );
  }
}

/** Turns what commander parsed into the run's configuration; throws UsageError. */
export function toConfig(flags: ParsedFlags, urls: string[], terminal: { stderrIsTTY: boolean }): CliConfig {
  for (const url of urls) {
    const problem = urlProblem(url);
    if (problem !== undefined) throw new UsageError(problem);
  }
  const inputs = flags.input ?? [];
  if (urls.length === 0 && inputs.length === 0) {
    throw new UsageError('nothing to download: give URLs, or a list with -i FILE');
  }
  if (flags.out !== undefined && (urls.length !== 1 || inputs.length > 0)) {
    throw new UsageError('-o/--out names the file of a single URL: give exactly one URL and no -i');
  }
  if (inputs.filter((i) => i === '-').length > 1)
    throw new UsageError("stdin ('-i -') can be read only once");

  if (flags.proxy === undefined) checkEnvProxies();

  const headers: Record<string, string> = {};
  for (const [name, value] of flags.header ?? []) headers[name] = value;
  const options: DownloadOptions = {
    dir: flags.dir,
    concurrency: flags.concurrency,
    perHost: flags.perHost ?? flags.concurrency,
    retries: flags.retries,
    timeouts: { connect: flags.connectTimeout, headers: flags.timeout, stall: flags.stallTimeout },
    lowSpeed: { bytesPerSecond: flags.speedLimit, seconds: flags.speedTime },
    ...(flags.limitRate > 0 ? { limitRate: flags.limitRate } : {}),
    ...(flags.maxFileRate > 0 ? { maxFileRate: flags.maxFileRate } : {}),
    ...(flags.http2 === true ? { http2: true } : {}),
    maxRedirects: flags.maxRedirects,
    headers,
    overwrite: flags.overwrite ? 'overwrite' : flags.keepBoth ? 'rename' : 'skip',
    ...(flags.userAgent === undefined ? {} : { userAgent: flags.userAgent }),
    ...(flags.proxy === undefined ? {} : { proxy: flags.proxy }),
    insecure: flags.insecure === true,
    contentDisposition: flags.contentDisposition === true,
    hash: flags.hash !== false,
    ...(flags.durable === true ? { durable: true } : {}),
    ...(flags.continue === true ? { continue: true } : {}),
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
    ...segmentOptions(flags),
    output: {
      format: flags.outputFormat,
      shardItems: flags.shardItems,
      ...(flags.shardBytes === undefined ? {} : { shardBytes: flags.shardBytes }),
    },
    ...authOptions(flags),
    s3: {
      ...(flags.s3Endpoint === undefined ? {} : { endpoint: flags.s3Endpoint }),
      ...(flags.s3Region === undefined ? {} : { region: flags.s3Region }),
      partSize: flags.s3PartSize,
    },
  };

  const quiet = flags.quiet === true;
  const progress: ProgressMode = quiet
    ? 'none'
    : flags.progress === 'auto'
      ? terminal.stderrIsTTY
        ? 'bar'
        : 'plain'
      : flags.progress;
  return {
    urls,
    out: flags.out,
    inputs,
    inputFormat: flags.inputFormat,
    options,
    report: flags.report,
    saveFailed: flags.saveFailed,
    reportHtml: flags.reportHtml,
    progress,
    json: flags.json === true,
    quiet,
    dryRun: flags.dryRun === true,
  };
}
