import type { DownloadItem, FieldValue } from '../download/item.js';
import { HEADER_NAME, HEADER_VALUE_FORBIDDEN, keyProblem, normalizeSha256 } from '../download/rules.js';
import { describe } from '../errors/invalid-option.js';

/** The fields of an item as a manifest spelled them, before validation. */
export interface ItemFields {
  url: string;
  mirrors?: readonly string[];
  path?: string;
  sha256?: string;
  headers?: Readonly<Record<string, string>>;
  key?: string;
  /** The manifest's other columns or properties, as they are to be kept. */
  fields?: Readonly<Record<string, FieldValue>>;
}

/** Most mirrors one item may list besides its URL. */
export const MAX_MIRRORS = 100;
/** Most request headers one item may carry (Apache's LimitRequestFields is 100 too). */
export const MAX_HEADERS = 100;

/** Why an item may not carry this many mirrors or headers, or undefined. Pure. */
export function countProblem(what: 'mirrors' | 'headers', count: number): string | undefined {
  const max = what === 'mirrors' ? MAX_MIRRORS : MAX_HEADERS;
  return count > max ? `more than ${max} ${what} for one item` : undefined;
}

export type Checked = { ok: true; item: DownloadItem } | { ok: false; reason: string };

/** Quotes a value for a message, shortened so that one bad line cannot flood a log. Pure. */
export function show(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
}

/** Describes any received value with its type, e.g. `` `5` (number) ``, shortened. Pure. */
export function showValue(value: unknown): string {
  const text = describe(value);
  return text.length > 140 ? `${text.slice(0, 137)}...` : text;
}

/** Why `url` cannot be downloaded (it must parse and be http: or https:), or undefined. Pure. */
export function urlProblem(url: string): string | undefined {
  if (url === '') return 'empty URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `invalid URL ${show(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `unsupported URL scheme ${show(parsed.protocol)} in ${show(url)}: only http and https`;
  }
  return undefined;
}

/** Why a request header cannot be sent, or undefined. Pure. */
export function headerProblem(name: string, value: string): string | undefined {
  if (!HEADER_NAME.test(name)) return `invalid header name ${show(name)}`;
  if (HEADER_VALUE_FORBIDDEN.test(value)) return `header ${name} has a line break or NUL in its value`;
  return undefined;
}

/**
 * Validates the fields of one manifest entry and builds the item, holding only the fields that
 * are set. Pure. URLs are trimmed and otherwise kept as written; the digest is lowercased; a path
 * is kept as written (the storage layer decides whether it is safe); a key is kept as written
 * when `keyProblem` finds nothing wrong with it; the other fields are kept as given.
 */
export function checkItem(fields: ItemFields): Checked {
  const url = fields.url.trim();
  const tooMany = countProblem('mirrors', fields.mirrors?.length ?? 0);
  if (tooMany !== undefined) return { ok: false, reason: tooMany };
  const mirrors = (fields.mirrors ?? []).map((m) => m.trim());
  for (const u of [url, ...mirrors]) {
    const problem = urlProblem(u);
    if (problem !== undefined) return { ok: false, reason: problem };
  }
  const item: { -readonly [K in keyof DownloadItem]: DownloadItem[K] } = { url };
  if (mirrors.length > 0) item.mirrors = mirrors;
  if (fields.path !== undefined) {
    if (fields.path === '') return { ok: false, reason: 'empty path' };
    item.path = fields.path;
  }
  if (fields.sha256 !== undefined) {
    const sha256 = normalizeSha256(fields.sha256.trim());
    if (sha256 === undefined)
      return { ok: false, reason: `sha256 must be 64 hex digits, got ${show(fields.sha256)}` };
    item.sha256 = sha256;
  }
  if (fields.headers !== undefined) {
    const entries = Object.entries(fields.headers);
    const tooMany = countProblem('headers', entries.length);
    if (tooMany !== undefined) return { ok: false, reason: tooMany };
    for (const [name, value] of entries) {
      const problem = headerProblem(name, value);
      if (problem !== undefined) return { ok: false, reason: problem };
    }
    // fromEntries defines own properties, so even a header named __proto__ stays a header.
    if (entries.length > 0) item.headers = Object.fromEntries(entries);
  }
  if (fields.key !== undefined) {
    const problem = keyProblem(fields.key);
    if (problem !== undefined) return { ok: false, reason: `invalid key ${show(fields.key)}: it ${problem}` };
    item.key = fields.key;
  }
  if (fields.fields !== undefined) {
    const entries = Object.entries(fields.fields);
    if (entries.length > 0) item.fields = Object.fromEntries(entries);
  }
  return { ok: true, item };
}
