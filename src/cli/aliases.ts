import { InvalidArgumentError, Option, type Command } from 'commander';
import { LIMITS } from '../engine/options.js';
import { UsageError } from './config.js';
import type { ParsedFlags } from './program.js';
import { integer, rate } from './values.js';

/**
 * Flags of aria2c, wget2 and curl that mean exactly what one of parafetch's does, accepted as
 * they are spelled there. Hidden from the option list; the help's "From other tools" section
 * and the README's table name them. Flags that look alike but mean something else are not here
 * (curl's `-k`, wget's `-O`, aria2c's `-x`): the README states those differences.
 */

/** The alias flags as commander leaves them. */
export interface AliasFlags {
  inputFile?: string[];
  directoryPrefix?: string;
  maxConcurrentDownloads?: number;
  parallelMax?: number;
  /** Tries in all (wget `--tries`, aria2c `--max-tries`): one more than retries. */
  tries?: number;
  maxTries?: number;
  retry?: number;
  maxRedirect?: number;
  maxRedirs?: number;
  /** `--no-check-certificate` sets it false. */
  checkCertificate?: boolean;
  clobber?: boolean;
  silent?: boolean;
  location?: boolean;
  createDirs?: boolean;
  fail?: boolean;
  maxOverallDownloadLimit?: number;
  maxDownloadLimit?: number;
}

interface Alias {
  /** The flag as commander declares it. */
  flags: string;
  /** The parafetch flag it means, for the help. */
  means: string;
  /** The tools that spell it so. */
  from: string;
  parse?: (text: string, previous: unknown) => unknown;
}

/** A number of tries in all; wget's and aria2c's 0 (for ever) is refused with the reason. */
function tries(text: string): number {
  if (text.trim() === '0' || text.trim() === 'inf') {
    throw new InvalidArgumentError('a number of tries, at least 1 (tries without end are not offered)');
  }
  return integer(1, LIMITS.retries + 1)(text);
}

const ALIASES: readonly Alias[] = [
  {
    flags: '--input-file <FILE>',
    means: '-i FILE',
    from: 'aria2c, wget2',
    parse: (text, previous) => [...((previous as string[] | undefined) ?? []), text],
  },
  { flags: '-P, --directory-prefix <DIR>', means: '-d DIR', from: 'wget2' },
  {
    flags: '--max-concurrent-downloads <N>',
    means: '-j N',
    from: 'aria2c',
    parse: integer(1, LIMITS.concurrency),
  },
  { flags: '--parallel-max <N>', means: '-j N', from: 'curl', parse: integer(1, LIMITS.concurrency) },
  { flags: '-t, --tries <N>', means: '--retries N-1', from: 'wget2', parse: tries },
  { flags: '--max-tries <N>', means: '--retries N-1', from: 'aria2c', parse: tries },
  { flags: '--retry <N>', means: '--retries N', from: 'curl', parse: integer(0, LIMITS.retries) },
  {
    flags: '--max-redirect <N>',
    means: '--max-redirects N',
    from: 'wget2',
    parse: integer(0, LIMITS.maxRedirects),
  },
  {
    flags: '--max-redirs <N>',
    means: '--max-redirects N',
    from: 'curl',
    parse: integer(0, LIMITS.maxRedirects),
  },
  {
    flags: '--max-overall-download-limit <SIZE>',
    means: '--limit-rate SIZE',
    from: 'aria2c',
    parse: rate,
  },
  { flags: '--max-download-limit <SIZE>', means: '--max-file-rate SIZE', from: 'aria2c', parse: rate },
  { flags: '--no-check-certificate', means: '--insecure', from: 'wget2' },
  { flags: '--no-clobber', means: '--skip-existing (the default)', from: 'wget2' },
  { flags: '--silent', means: '-q', from: 'curl' },
  { flags: '-L, --location', means: 'nothing: redirects are always followed', from: 'curl' },
  { flags: '--create-dirs', means: 'nothing: folders are always created', from: 'curl' },
  { flags: '-f, --fail', means: 'nothing: an HTTP error always fails its item', from: 'curl' },
];

/** Adds the aliases to `program`, hidden from its option list. */
export function addAliases(program: Command): Command {
  for (const a of ALIASES) {
    const option = new Option(a.flags).hideHelp();
    if (a.parse) option.argParser(a.parse as (text: string, previous: unknown) => unknown);
    program.addOption(option);
  }
  return program;
}

/** The help's section on them. */
export function aliasHelp(): string {
  const width = Math.max(...ALIASES.map((a) => a.flags.length));
  const lines = ALIASES.map((a) => `  ${a.flags.padEnd(width)}  ${a.means}  (${a.from})`);
  return `\nFrom other tools (the same meaning, spelled as there):\n${lines.join('\n')}\n`;
}

/**
 * The flags `program` parsed, with every alias given turned into the flag it means; an alias
 * given together with its flag is a UsageError.
 */
export function flagsOf(program: Command): ParsedFlags {
  return resolveAliases(
    program.opts<ParsedFlags & AliasFlags>(),
    (key) => program.getOptionValueSource(key) === 'cli',
  );
}

function resolveAliases(flags: ParsedFlags & AliasFlags, given: (key: string) => boolean): ParsedFlags {
  const out: ParsedFlags = { ...flags };
  const both = (alias: string, flag: string): never => {
    throw new UsageError(`${alias} and ${flag} say the same thing: give one of them`);
  };
  if (flags.inputFile) out.input = [...(flags.input ?? []), ...flags.inputFile];
  if (flags.directoryPrefix !== undefined) {
    if (given('dir')) both('-P/--directory-prefix', '-d/--dir');
    out.dir = flags.directoryPrefix;
  }
  const jobs = flags.maxConcurrentDownloads ?? flags.parallelMax;
  if (jobs !== undefined) {
    if (given('concurrency')) both('--max-concurrent-downloads/--parallel-max', '-j');
    out.concurrency = jobs;
  }
  const tried = flags.tries ?? flags.maxTries;
  const retries = tried === undefined ? flags.retry : tried - 1;
  if (retries !== undefined) {
    if (given('retries')) both('--tries/--max-tries/--retry', '--retries');
    out.retries = retries;
  }
  const redirects = flags.maxRedirect ?? flags.maxRedirs;
  if (redirects !== undefined) {
    if (given('maxRedirects')) both('--max-redirect/--max-redirs', '--max-redirects');
    out.maxRedirects = redirects;
  }
  if (flags.maxOverallDownloadLimit !== undefined) {
    if (given('limitRate')) both('--max-overall-download-limit', '--limit-rate');
    out.limitRate = flags.maxOverallDownloadLimit;
  }
  if (flags.maxDownloadLimit !== undefined) {
    if (given('maxFileRate')) both('--max-download-limit', '--max-file-rate');
    out.maxFileRate = flags.maxDownloadLimit;
  }
  if (flags.checkCertificate === false) out.insecure = true;
  if (flags.clobber === false) {
    if (flags.overwrite || flags.keepBoth) both('--no-clobber', '--overwrite/--keep-both');
    out.skipExisting = true;
  }
  if (flags.silent) out.quiet = true;
  return out;
}
