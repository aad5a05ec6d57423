/** What an item's fields must look like to be sent and checked: one definition for every layer. */
import { InvalidOptionError } from '../errors/index.js';
import type { DownloadItem, FieldValue } from './item.js';

/** RFC 9110 token characters: a valid header name. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may not hold: a line break would start another header. */
// eslint-disable-next-line no-control-regex
export const HEADER_VALUE_FORBIDDEN = /[\r\n\u0000]/;

const SHA256 = /^[0-9a-f]{64}$/i;

/** Most characters (UTF-16 code units) in an item's `key`. */
export const MAX_KEY_LENGTH = 200;
/** What an item's `key` must be, as an option message says it. */
export const KEY_RULE =
  `a string of 1 to ${MAX_KEY_LENGTH} printable characters without "." or "\\", ` +
  'whose "/"-separated components are not empty';
/**
 * Characters a key may not hold: C0 and C1 controls, DEL, the line and paragraph separators,
 * the bidirectional controls (as render/printable.ts escapes them), and unpaired surrogates.
 */
const KEY_UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

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
 * Why `key` cannot name an item, or undefined. Pure. A key names the members of a sample in a
 * WebDataset shard (`KEY.jpg`, `KEY.json`), which readers split at the first `.` into key and
 * extension; so no `.` at all (hence no `.` or `..` component either), no `\`, and `/` only
 * between non-empty components (not leading, not trailing, not doubled).
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'is not a string';
  if (key === '') return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (KEY_UNPRINTABLE.test(key)) return 'holds an unprintable character';
  if (key.includes('.')) return 'holds a "." (a WebDataset member name is split at its first dot)';
  if (key.includes('\\')) return 'holds a "\\"';
  if (key.startsWith('/')) return 'starts with "/"';
  if (key.split('/').includes('')) return 'has an empty "/"-separated component';
  return undefined;
}

/** Whether `value` may be the value of an item's own field: a string, finite number, boolean or null. */
export function isFieldValue(value: unknown): value is FieldValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Validates an item's `fields`: a plain object whose values are field values (see isFieldValue). */
function checkFields(fields: unknown): void {
  const expected = 'a plain object of strings, finite numbers, booleans and nulls';
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new InvalidOptionError('item.fields', expected, fields);
  }
  const proto: unknown = Object.getPrototypeOf(fields);
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidOptionError('item.fields', expected, fields);
  }
  for (const [name, value] of Object.entries(fields)) {
    if (!isFieldValue(value)) {
      throw new InvalidOptionError(`item.fields.${name}`, 'a string, finite number, boolean or null', value);
    }
  }
}

/**
 * Rejects, before any request, item fields that could never work: a header that cannot be
 * sent, a checksum that is not a SHA-256, a key that cannot name a shard's members, own fields
 * that are not scalars. (Found later, they would be retried as network errors, or fail a shard.)
 */
export function checkItemFields(item: DownloadItem): void {
  normalizeHeaders('item.headers', item.headers);
  if (item.sha256 !== undefined && (typeof item.sha256 !== 'string' || !normalizeSha256(item.sha256))) {
    throw new InvalidOptionError('item.sha256', 'a SHA-256 of 64 hexadecimal digits', item.sha256);
  }
  if (item.key !== undefined) {
    const problem = keyProblem(item.key);
    if (problem !== undefined)
      throw new InvalidOptionError('item.key', `${KEY_RULE} (it ${problem})`, item.key);
  }
  if (item.fields !== undefined) checkFields(item.fields);
}
