import type { FieldValue } from '../download/item.js';
import { errorEntry, itemEntry, type InputEntry } from './entry.js';
import { overlongReason, type Line } from './lines.js';
import { checkItem, showValue, type Checked, type ItemFields } from './validate.js';

/** The properties parafetch reads; the others are the item's own fields. */
export const JSONL_KEYS: ReadonlySet<string> = new Set([
  'url',
  'mirrors',
  'path',
  'sha256',
  'headers',
  'key',
]);

/**
 * A property that parafetch does not read, as the item keeps it: a scalar as it is, an object
 * or an array as its JSON text (the fields of an item are scalars, as a CSV cell or a table
 * column would hold them). Pure.
 */
export function fieldValue(value: unknown): FieldValue {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as FieldValue);
}

/** One line of JSON Lines, read: an item or why not. Pure. */
export function parseJsonLine(text: string): Checked | undefined {
  if (text.trim() === '') return undefined;
  const fail = (reason: string): Checked => ({ ok: false, reason });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`expected a JSON object, got ${showValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  const fields: ItemFields = { url: '' };
  // `null` counts as absent: database exports write it for empty columns.
  const { url, mirrors, path, sha256, headers, key } = record;
  if (typeof url !== 'string') return fail(`\`url\` must be a string, got ${showValue(url)}`);
  fields.url = url;
  if (mirrors != null) {
    if (!Array.isArray(mirrors) || !mirrors.every((m) => typeof m === 'string')) {
      return fail(`\`mirrors\` must be an array of strings, got ${showValue(mirrors)}`);
    }
    fields.mirrors = mirrors;
  }
  if (path != null) {
    if (typeof path !== 'string') return fail(`\`path\` must be a string, got ${showValue(path)}`);
    fields.path = path;
  }
  if (sha256 != null) {
    if (typeof sha256 !== 'string') return fail(`\`sha256\` must be a string, got ${showValue(sha256)}`);
    fields.sha256 = sha256;
  }
  if (headers != null) {
    if (
      typeof headers !== 'object' ||
      Array.isArray(headers) ||
      !Object.values(headers).every((v) => typeof v === 'string')
    ) {
      return fail(`\`headers\` must be an object of strings, got ${showValue(headers)}`);
    }
    fields.headers = headers as Record<string, string>;
  }
  if (key != null) {
    if (typeof key === 'string') fields.key = key;
    else if (Number.isSafeInteger(key)) fields.key = String(key);
    else return fail(`\`key\` must be a string or an integer, got ${showValue(key)}`);
  }
  const own = Object.entries(record).filter(([name]) => !JSONL_KEYS.has(name));
  // fromEntries defines own properties, so even a property named __proto__ stays a field.
  if (own.length > 0) fields.fields = Object.fromEntries(own.map(([name, v]) => [name, fieldValue(v)]));
  return checkItem(fields);
}

/**
 * Items of a JSON Lines file: one object per line with `url` and optionally `path`, `sha256`,
 * `headers` (an object of strings), `mirrors` (an array of strings) and `key` (a string, or an
 * integer read as its decimal digits); for these `null` means absent. Every other property is
 * one of the item's own `fields` (see `fieldValue`). Blank lines are skipped.
 */
export async function* readJsonl(lines: AsyncIterable<Line>, source: string): AsyncGenerator<InputEntry> {
  for await (const line of lines) {
    const { number, text } = line;
    if (line.overlong) {
      yield errorEntry(source, number, overlongReason(line));
      continue;
    }
    const parsed = parseJsonLine(text);
    if (parsed === undefined) continue;
    yield parsed.ok ? itemEntry(source, number, parsed.item) : errorEntry(source, number, parsed.reason);
  }
}
