import { errorEntry, itemEntry, type InputEntry } from './entry.js';
import { overlongReason, type Line } from './lines.js';
import { checkItem, type Checked } from './validate.js';

/**
 * One line of a plain URL list, read. Pure. Blank lines and lines whose first non-blank
 * character is `#` are skipped (`undefined`); otherwise the line holds a URL and optionally,
 * after whitespace, a destination path. A `#` later in the line is not a comment, so a path may
 * start with one.
 */
export function parseTextLine(text: string): Checked | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const fields = trimmed.split(/\s+/);
  if (fields.length > 2) {
    return { ok: false, reason: `expected a URL and an optional path, got ${fields.length} fields` };
  }
  const [url = '', path] = fields;
  const checked = checkItem(path === undefined ? { url } : { url, path });
  if (!checked.ok && /^\s/.test(text) && /^[a-z-]+=/i.test(trimmed)) {
    return { ok: false, reason: `${checked.reason} (an aria2c option line? read the file as format aria2)` };
  }
  return checked;
}

/** Items of a plain URL list, one per line. */
export async function* readText(lines: AsyncIterable<Line>, source: string): AsyncGenerator<InputEntry> {
  for await (const line of lines) {
    const { number, text } = line;
    if (line.overlong) {
      yield errorEntry(source, number, overlongReason(line));
      continue;
    }
    const checked = parseTextLine(text);
    if (checked === undefined) continue;
    yield checked.ok ? itemEntry(source, number, checked.item) : errorEntry(source, number, checked.reason);
  }
}
