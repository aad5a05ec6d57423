/** What an item's fields must look like to be sent and checked: one definition for every layer. */
import { InvalidOptionError } from '../errors/index.js';
import type { DownloadItem } from './item.js';

/** RFC 9110 token characters: a valid header name. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may not hold: a line break would start another header. */
// eslint-disable-next-line no-control-regex
export const HEADER_VALUE_FORBIDDEN = /[\r\n\u0000]/;

const SHA256 = /^[0-9a-f]{64}$/i;

/** The lowercase form of a SHA-256 hex digest, or undefined when it is not 64 hex digits. */
export function normalizeSha256(value: string): string | undefined {
  return SHA256.test(value) ? value.toLowerCase() : undefined;
}

/** Validates request headers: names must be tokens, values strings without line breaks. */
export function normalizeHeaders(key: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(key, 'an object of header names to string values', value);
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) {
      throw new InvalidOptionError(`${key}`, 'header names made of token characters', name);
    }
    if (typeof v !== 'string' || HEADER_VALUE_FORBIDDEN.test(v)) {
      throw new InvalidOptionError(`${key}.${name}`, 'a string without line breaks', v);
    }
    out[name.toLowerCase()] = v;
  }
  return out;
}

/**
 * Rejects, before any request, item fields that could never work: a header that cannot be
 * sent, a checksum that is not a SHA-256. (Found later, they would be retried as network errors.)
 */
export function checkItemFields(item: DownloadItem): void {
  normalizeHeaders('item.headers', item.headers);
  if (item.sha256 !== undefined && (typeof item.sha256 !== 'string' || !normalizeSha256(item.sha256))) {
    throw new InvalidOptionError('item.sha256', 'a SHA-256 of 64 hexadecimal digits', item.sha256);
  }
}
