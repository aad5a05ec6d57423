import { Option } from 'commander';
import { InvalidArgumentError } from 'commander';
import { HEADER_NAME, HEADER_VALUE_FORBIDDEN } from '../download/rules.js';
import { parseProxyUrl } from '../transport/proxy-settings.js';

/**
 * Parsers for option values: each takes the text from argv, returns the value, and throws a
 * commander InvalidArgumentError naming what was expected (a usage error, exit code 2). Pure.
 */

/** An integer from `min` up: `-j 32`. */
export function integer(min: number, max = 1_000_000): (text: string) => number {
  return (text) => {
    const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`);
    }
    return value;
  };
}

/** `-x`: 'auto', or a number of connections per file from 1 to `max`. */
export function split(max: number): (text: string) => number | 'auto' {
  const count = integer(1, max);
  return (text) => {
    if (text.trim() === 'auto') return 'auto';
    try {
      return count(text);
    } catch {
      throw new InvalidArgumentError(`Expected 'auto' or an integer from 1 to ${max}.`);
    }
  };
}

/** A duration in seconds, fractions allowed (`--timeout 2.5`), as whole milliseconds, at least 1. */
export function seconds(text: string): number {
  const value = /^\d+(\.\d+)?$|^\.\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > 86_400 * 365) {
    throw new InvalidArgumentError('Expected a number of seconds greater than 0, e.g. 30 or 2.5.');
  }
  return Math.max(1, Math.round(value * 1000));
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** A size in bytes: `1048576`, `512K`, `1M`, `2G`, `1.5M`; `KiB`/`KB` spellings too; powers of 1024. */
export function size(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const value = m ? Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      'Expected a size in bytes from 1, optionally with K, M, G or T (1K = 1024).',
    );
  }
  return value;
}

/** A size of at least `min` bytes, as `size` takes it (`--s3-part-size 16M`). */
export function sizeFrom(min: number, shown: string): (text: string) => number {
  return (text) => {
    const value = size(text);
    if (value < min) throw new InvalidArgumentError(`Expected a size of at least ${shown}.`);
    return value;
  };
}

/** A speed in bytes per second, as `size` takes it, or 0 (`--speed-limit 0` disables the limit). */
export function rate(text: string): number {
  if (/^0+(\.0*)?$/.test(text.trim())) return 0;
  try {
    return size(text);
  } catch {
    throw new InvalidArgumentError(
      'Expected bytes per second from 0, optionally with K, M or G (1K = 1024).',
    );
  }
}

/** `--proxy`: 'none', or a proxy URL (`host:port` means `http://host:port`), checked here, before any run. */
export function proxy(text: string): string {
  if (text === 'none' || parseProxyUrl(text) !== undefined) return text;
  throw new InvalidArgumentError("Expected 'none' or an http(s) proxy URL such as http://proxy:3128.");
}

/** A request header `Name: value`, as curl and wget take it. */
export function header(text: string): [name: string, value: string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  const value = colon > 0 ? text.slice(colon + 1).trim() : '';
  if (!HEADER_NAME.test(name)) {
    throw new InvalidArgumentError(
      `Expected 'Name: value' with a valid header name, got ${JSON.stringify(text)}.`,
    );
  }
  if (HEADER_VALUE_FORBIDDEN.test(value))
    throw new InvalidArgumentError('A header value cannot hold a line break.');
  return [name, value];
}

/** Why `text` is not an http(s) URL to download, or undefined. */
export function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `not a URL: ${JSON.stringify(text)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `not an http(s) URL: ${JSON.stringify(text)}`;
  }
  return undefined;
}

/**
 * `-u USER:PASSWORD`: split at the first colon (a password may hold more). A value without one
 * has no password to show, so the message may quote it; no password is ever asked for.
 */
export function userPassword(text: string): { username: string; password: string } {
  const colon = text.indexOf(':');
  if (colon === -1) throw new InvalidArgumentError('Expected USER:PASSWORD (an empty password is USER:).');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** An option whose value goes through `parse`, with the default shown as `shown` in --help. */
export function valued<T>(
  flags: string,
  description: string,
  parse: (text: string) => T,
  value?: T,
  shown?: string,
) {
  const option = new Option(flags, description).argParser(parse);
  return value === undefined ? option : option.default(value, shown ?? String(value));
}
