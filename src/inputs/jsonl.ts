import { errorEntry, itemEntry, warningEntry, type InputEntry } from './entry.js';
import { overlongReason, type Line } from './lines.js';
import { checkItem, showValue, type Checked, type ItemFields } from './validate.js';

const KEYS: ReadonlySet<string> = new Set(['url', 'mirrors', 'path', 'sha256', 'headers']);

/** One line of JSON Lines, read: an item or why not, plus the keys that were ignored. Pure. */
export function parseJsonLine(text: string): { checked: Checked; ignored: string[] } | undefined {
  if (text.trim() === '') return undefined;
  const fail = (reason: string) => ({ checked: { ok: false as const, reason }, ignored: [] });
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
  const { url, mirrors, path, sha256, headers } = record;
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
  return { checked: checkItem(fields), ignored: Object.keys(record).filter((key) => !KEYS.has(key)) };
}

/**
 * Items of a JSON Lines file: one object per line with `url` and optionally `path`, `sha256`,
 * `headers` (an object of strings) and `mirrors` (an array of strings); `null` means absent.
 * Blank lines are skipped; other keys are ignored with a warning.
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
    const { checked, ignored } = parsed;
    if (!checked.ok) {
      yield errorEntry(source, number, checked.reason);
      continue;
    }
    if (ignored.length > 0) {
      yield warningEntry(
        source,
        number,
        `unknown keys ignored: ${ignored.map((k) => JSON.stringify(k)).join(', ')}`,
      );
    }
    yield itemEntry(source, number, checked.item);
  }
}
