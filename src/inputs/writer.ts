import type { DownloadItem } from '../download/item.js';
import { isFieldValue } from '../download/rules.js';
import type { InputFormat } from './detect.js';
import { JSONL_KEYS } from './jsonl.js';

/**
 * Writes items in a manifest format, for `--save-failed`: `write(item)` gives the text that
 * appends one item (with its trailing newline), and `end()` the text that closes the file. A CSV
 * or TSV file has the columns `url,path,sha256,key`, then the names of the fields of the first
 * item written; its header row comes with that item (or from `end()` when there was none).
 *
 * When `loss` is undefined, reading back what was written gives `item` (for items that
 * `readInput` accepts); otherwise it names what the format cannot hold, and the text leaves that
 * out (mirrors, headers, sha256, key or fields in a plain list, say; a field that is not a column
 * of the CSV file) or changes it (whitespace in a URL of a line-based format is percent-encoded;
 * a number in a CSV cell reads back as text). A line never holds a line break that is not its own.
 */
export interface ItemWriter {
  readonly format: InputFormat;
  /** One item: the text to append, and what it loses. */
  write(item: DownloadItem): { line: string; loss: string | undefined };
  /** The text that ends the file: the header row of a CSV or TSV file that holds no item, else ''. */
  end(): string;
}

interface Written {
  readonly text: string;
  /** What the text leaves out or changes. */
  readonly dropped: readonly string[];
}

export function createItemWriter(format: InputFormat): ItemWriter {
  if (format === 'csv' || format === 'tsv') return delimitedWriter(format, format === 'csv' ? ',' : '\t');
  const write = WRITERS[format];
  return {
    format,
    write: (item) => {
      const written = write(item);
      return { line: written.text, loss: lossOf(written) };
    },
    end: () => '',
  };
}

function lossOf(written: Written): string | undefined {
  return written.dropped.length === 0 ? undefined : written.dropped.join('; ');
}

const WRITERS: Readonly<Record<'txt' | 'aria2' | 'jsonl', (item: DownloadItem) => Written>> = {
  txt: writeText,
  aria2: writeAria2,
  jsonl: writeJsonl,
};

/**
 * The entries of an item's own fields. A `fields` that is not an object (a library item that
 * failed for it) is lost.
 */
function fieldEntries(item: DownloadItem, dropped: string[]): [string, unknown][] {
  const { fields } = item as { fields?: unknown };
  if (fields === undefined) return [];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    dropped.push('fields (not an object)');
    return [];
  }
  return Object.entries(fields);
}

/** What a line-based format without fields loses of an item's key and fields. */
function keyAndFields(item: DownloadItem, dropped: string[]): void {
  if (item.key !== undefined) dropped.push('key');
  if (fieldEntries(item, dropped).length > 0) dropped.push('fields');
}

/** A value that fits on one line as is, read back unchanged after trimming. */
function isPlain(value: string): boolean {
  return !/[\r\n]/.test(value) && value.trim() === value && value !== '';
}

/** `url` with any whitespace percent-encoded, so that it is one field of a line. */
function oneToken(url: string, what: string, dropped: string[]): string {
  if (!/\s/.test(url)) return url;
  dropped.push(`whitespace in ${what} percent-encoded`);
  return url.replace(/\s/g, (c) => encodeURIComponent(c));
}

function writeText(item: DownloadItem): Written {
  const dropped: string[] = [];
  let text = oneToken(item.url, 'url', dropped);
  if (item.path !== undefined) {
    if (isPlain(item.path) && !/\s/.test(item.path)) text += ` ${item.path}`;
    else dropped.push('path (whitespace or empty)');
  }
  if (item.mirrors?.length) dropped.push('mirrors');
  if (item.sha256 !== undefined) dropped.push('sha256');
  if (item.headers !== undefined && Object.keys(item.headers).length > 0) dropped.push('headers');
  keyAndFields(item, dropped);
  return { text: `${text}\n`, dropped };
}

function writeAria2(item: DownloadItem): Written {
  const dropped: string[] = [];
  const uris = [item.url, ...(item.mirrors ?? [])].map((uri) => oneToken(uri, 'a URI', dropped));
  let text = `${uris.join('\t')}\n`;
  if (item.path !== undefined) {
    if (!isPlain(item.path)) dropped.push('path (line break, surrounding whitespace or empty)');
    else if (/[^/]\/$/.test(item.path)) text += `  dir=${item.path.slice(0, -1)}\n`;
    else text += `  out=${item.path}\n`;
  }
  if (item.sha256 !== undefined) {
    if (isPlain(item.sha256)) text += `  checksum=sha-256=${item.sha256}\n`;
    else dropped.push('sha256');
  }
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(item.headers ?? {})) {
    const key = name.toLowerCase();
    if (isPlain(name) && !name.includes(':') && !seen.has(key) && (value === '' || isPlain(value))) {
      text += `  header=${name}: ${value}\n`;
      seen.add(key);
    } else {
      dropped.push(`header ${JSON.stringify(name)}`);
    }
  }
  keyAndFields(item, dropped);
  return { text, dropped };
}

/**
 * RFC 4180 quoting, for fields that hold the delimiter, a quote or a line break; also for
 * surrounding whitespace and `#` (a row starting with `#` would read as a comment).
 */
function quote(field: string, delimiter: string): string {
  return field.includes(delimiter) || /["\r\n#]|^\s|\s$/.test(field)
    ? `"${field.replaceAll('"', '""')}"`
    : field;
}

/** The columns of a CSV or TSV file after url, path, sha256 and key: its fields. */
type Columns = readonly string[];

/** Names that `findColumns` reads as something else than a field of that name. */
const READ_COLUMNS: ReadonlySet<string> = new Set(['url', 'path', 'sha256', 'key']);

/** The columns that the first item of a CSV or TSV file gives it. */
function columnsOf(item: DownloadItem): Columns {
  return fieldEntries(item, [])
    .map(([name]) => name)
    .filter((name) => isPlain(name) && !READ_COLUMNS.has(name.toLowerCase()));
}

function delimitedWriter(format: 'csv' | 'tsv', delimiter: ',' | '\t'): ItemWriter {
  let columns: Columns | undefined;
  const row = (cells: readonly string[]) =>
    `${cells.map((cell) => quote(cell, delimiter)).join(delimiter)}\n`;
  const headerOf = (fields: Columns) => row(['url', 'path', 'sha256', 'key', ...fields]);
  return {
    format,
    write: (item) => {
      const first = columns === undefined;
      columns ??= columnsOf(item);
      const written = writeDelimited(item, columns, row);
      return { line: (first ? headerOf(columns) : '') + written.text, loss: lossOf(written) };
    },
    end: () => (columns === undefined ? headerOf([]) : ''),
  };
}

function writeDelimited(
  item: DownloadItem,
  columns: Columns,
  row: (cells: readonly string[]) => string,
): Written {
  const dropped: string[] = [];
  const cells = [item.url, item.path ?? '', item.sha256 ?? '', String(item.key ?? '')];
  const own = new Map(fieldEntries(item, dropped));
  for (const name of columns) {
    const value = own.get(name);
    if (value === undefined) dropped.push(`field ${JSON.stringify(name)} (absent: read back as "")`);
    else if (typeof value !== 'string')
      dropped.push(`field ${JSON.stringify(name)} (not a string: read back as text)`);
    cells.push(
      value === undefined || value === null
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value),
    );
    own.delete(name);
  }
  for (const name of own.keys()) dropped.push(`field ${JSON.stringify(name)} (no column)`);
  if (cells.some((cell) => cell.includes('\r'))) dropped.push('carriage returns (read back as line feeds)');
  if (cells.some((cell) => cell.trim() !== cell)) dropped.push('surrounding whitespace (trimmed on reading)');
  if (item.path === '') dropped.push('empty path');
  if (item.key === '') dropped.push('empty key');
  if (item.mirrors?.length) dropped.push('mirrors');
  if (item.headers !== undefined && Object.keys(item.headers).length > 0) dropped.push('headers');
  return { text: row(cells), dropped };
}

function writeJsonl(item: DownloadItem): Written {
  const dropped: string[] = [];
  const record: [string, unknown][] = [['url', item.url]];
  if (item.mirrors?.length) record.push(['mirrors', item.mirrors]);
  if (item.path !== undefined) record.push(['path', item.path]);
  if (item.sha256 !== undefined) record.push(['sha256', item.sha256]);
  if (item.headers !== undefined && Object.keys(item.headers).length > 0)
    record.push(['headers', item.headers]);
  if (item.key !== undefined) record.push(['key', item.key]);
  for (const [name, value] of fieldEntries(item, dropped)) {
    if (JSONL_KEYS.has(name)) dropped.push(`field ${JSON.stringify(name)} (a property parafetch reads)`);
    else if (!isFieldValue(value))
      dropped.push(`field ${JSON.stringify(name)} (not a string, finite number, boolean or null)`);
    else record.push([name, value]);
  }
  // fromEntries defines own properties, so even a field named __proto__ is written.
  return { text: `${JSON.stringify(Object.fromEntries(record))}\n`, dropped };
}
