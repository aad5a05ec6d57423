import type { DownloadItem } from '../download/item.js';
import type { InputFormat } from './detect.js';

/**
 * Writes items in a manifest format, for `--save-failed`. `header()` comes once before the
 * first item ('' when the format has none), `line(item)` is one item with its trailing newline.
 * When `loss(item)` is undefined, reading what `line(item)` wrote gives back `item` (for items
 * that `readInput` accepts); otherwise it names what the format cannot hold, and `line` leaves
 * that out (mirrors, headers or sha256 in a plain list, say) or percent-encodes it (whitespace in
 * a URL of a line-based format). A line never holds a line break that is not its own.
 */
export interface ItemWriter {
  readonly format: InputFormat;
  header(): string;
  line(item: DownloadItem): string;
  loss(item: DownloadItem): string | undefined;
  /** Both at once: the line, and what it loses. */
  write(item: DownloadItem): { line: string; loss: string | undefined };
}

interface Written {
  readonly text: string;
  /** What the text leaves out or changes. */
  readonly dropped: readonly string[];
}

export function createItemWriter(format: InputFormat): ItemWriter {
  const write = WRITERS[format];
  return {
    format,
    header: () => (format === 'csv' ? 'url,path,sha256\n' : format === 'tsv' ? 'url\tpath\tsha256\n' : ''),
    line: (item) => write(item).text,
    loss: (item) => lossOf(write(item)),
    write: (item) => {
      const written = write(item);
      return { line: written.text, loss: lossOf(written) };
    },
  };
}

function lossOf(written: Written): string | undefined {
  return written.dropped.length === 0 ? undefined : written.dropped.join('; ');
}

const WRITERS: Readonly<Record<InputFormat, (item: DownloadItem) => Written>> = {
  txt: writeText,
  aria2: writeAria2,
  csv: (item) => writeDelimited(item, ','),
  tsv: (item) => writeDelimited(item, '\t'),
  jsonl: writeJsonl,
};

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

function writeDelimited(item: DownloadItem, delimiter: ',' | '\t'): Written {
  const dropped: string[] = [];
  const fields = [item.url, item.path ?? '', item.sha256 ?? ''];
  if (fields.some((field) => field.includes('\r')))
    dropped.push('carriage returns (read back as line feeds)');
  if (fields.some((field) => field.trim() !== field))
    dropped.push('surrounding whitespace (trimmed on reading)');
  if (item.path === '') dropped.push('empty path');
  if (item.mirrors?.length) dropped.push('mirrors');
  if (item.headers !== undefined && Object.keys(item.headers).length > 0) dropped.push('headers');
  return { text: `${fields.map((field) => quote(field, delimiter)).join(delimiter)}\n`, dropped };
}

function writeJsonl(item: DownloadItem): Written {
  const record: Record<string, unknown> = { url: item.url };
  if (item.mirrors?.length) record.mirrors = item.mirrors;
  if (item.path !== undefined) record.path = item.path;
  if (item.sha256 !== undefined) record.sha256 = item.sha256;
  if (item.headers !== undefined && Object.keys(item.headers).length > 0) record.headers = item.headers;
  return { text: `${JSON.stringify(record)}\n`, dropped: [] };
}
