import { CsvError, type Info, type Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { errorEntry, itemEntry, warningEntry, type InputEntry } from './entry.js';
import { MAX_LINE_LENGTH, overlongReason, type Line } from './lines.js';
import { checkItem, show } from './validate.js';

/** Where the columns sit in a header row. */
export interface CsvColumns {
  readonly url: number;
  readonly path: number | undefined;
  readonly sha256: number | undefined;
  readonly key: number | undefined;
  /** The other columns, kept as the item's own fields: each name (trimmed) and where it sits. */
  readonly fields: readonly { readonly name: string; readonly at: number }[];
  /** Header names that are not read (repeated or empty), as written. */
  readonly ignored: readonly string[];
}

/** The names of the columns parafetch reads (and `out`, read as `path` when there is no `path`). */
const READ: ReadonlySet<string> = new Set(['url', 'path', 'sha256', 'key']);

/**
 * Finds the columns in a header row. Pure. Names are trimmed; those parafetch reads are
 * case-insensitive: `url` (required), `path` or else `out`, `sha256`, `key`. Every other column
 * is one of the item's own fields, named as written (trimmed). The first of repeated names wins
 * (for fields, the same name exactly); the repeats and columns without a name are ignored.
 */
export function findColumns(header: readonly string[]): CsvColumns | undefined {
  const names = header.map((name) => name.trim().toLowerCase());
  const at = (name: string) => (names.includes(name) ? names.indexOf(name) : undefined);
  const url = at('url');
  if (url === undefined) return undefined;
  const path = at('path') ?? at('out');
  const sha256 = at('sha256');
  const key = at('key');
  const used = new Set([url, path, sha256, key]);
  const fields: { name: string; at: number }[] = [];
  const ignored: string[] = [];
  const seen = new Set<string>();
  const read = (lower: string) => READ.has(lower) || (lower === 'out' && at('path') === undefined);
  header.forEach((written, i) => {
    if (used.has(i)) return;
    const name = written.trim();
    // A repeat of a column parafetch reads is not a field (`out` beside `path` is one).
    if (name === '' || seen.has(name) || read(name.toLowerCase())) {
      ignored.push(written);
      return;
    }
    seen.add(name);
    fields.push({ name, at: i });
  });
  return { url, path, sha256, key, fields, ignored };
}

/**
 * The line a record starts on, from the line it ends on and its raw text (as csv-parse counts
 * and reports them). Pure. The raw text also holds the blank and comment lines skipped before
 * the record, and the record's terminator; the newlines that remain are inside quoted fields.
 */
export function recordStartLine(endLine: number, raw: string): number {
  const record = raw.replace(/\n$/, '').replace(/^(?:(?:#[^\n]*)?\n)*/, '');
  let inner = 0;
  for (let i = record.indexOf('\n'); i !== -1; i = record.indexOf('\n', i + 1)) inner += 1;
  return endLine - inner;
}

/** Options for csv-parse: RFC 4180 quoting, lenient about stray quotes and column counts. */
function parseOptions(delimiter: ',' | '\t', onSkip: (err: CsvError) => void): Options {
  return {
    delimiter,
    record_delimiter: '\n',
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    comment: '#',
    comment_no_infix: true,
    max_record_size: MAX_LINE_LENGTH,
    info: true,
    raw: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      if (err !== undefined) onSkip(err);
    },
  };
}

/** Consecutive lines of the input, from `line` on, that csv-parse reads in one call. */
interface Span {
  readonly line: number;
  readonly text: string;
}

/** A record or a bad record read from a span, with its absolute line number. */
type Parsed = { line: number; fields: string[] } | { line: number; reason: string };

/**
 * Items of a CSV or TSV file with a header row (see `findColumns`). Fields may be quoted as in
 * RFC 4180, in TSV too, and are trimmed. An empty `path`, `sha256` or `key` is absent; the other
 * columns are the item's `fields`, as strings (an empty or missing cell is ''). Blank lines,
 * lines starting with `#` and rows of empty fields are skipped; a header without `url` is one
 * error and nothing is read.
 *
 * Each batch of lines is read by one synchronous csv-parse call, up to the last line that ends
 * a record: quotes balance there (a quoted field may hold line breaks); the lines after it wait
 * for the next batch. So a record is read as soon as its last line arrives (csv-parse's stream
 * keeps back the last character it was given, and would hold a record until the next one
 * starts), line numbers are exact (csv-parse's count is not with `\r\n` inside quoted fields, so
 * lines are joined by `\n`, and such a `\r\n` reads as `\n`), and an unbalanced quote costs at
 * most MAX_LINE_LENGTH characters of input.
 */
export async function* readCsv(
  batches: AsyncIterable<readonly Line[]>,
  source: string,
  delimiter: ',' | '\t',
): AsyncGenerator<InputEntry> {
  let columns: CsvColumns | undefined;
  /** Lines read but not parsed yet: a record whose quotes do not balance so far. */
  let open: Line[] = [];
  let openLength = 0;
  let quotes = 0;
  const entriesOf = function* (span: Span): Generator<InputEntry, boolean> {
    for (const parsed of parseSpan(span, delimiter)) {
      if ('reason' in parsed) {
        yield errorEntry(source, parsed.line, parsed.reason);
        continue;
      }
      const { line, fields } = parsed;
      if (columns === undefined) {
        columns = findColumns(fields);
        if (columns === undefined) {
          yield errorEntry(source, line, `the header row has no url column: ${show(fields.join(delimiter))}`);
          return false;
        }
        if (columns.ignored.length > 0) {
          yield warningEntry(
            source,
            line,
            `columns ignored (repeated or without a name): ${columns.ignored.map((c) => show(c)).join(', ')}`,
          );
        }
        continue;
      }
      yield rowEntry(source, line, fields, columns);
    }
    return true;
  };
  for await (const batch of batches) {
    const lines = [...open, ...batch];
    const spans: [from: number, to: number][] = [];
    let spanStart = 0;
    let recordStart = 0;
    let end = 0; // lines[0, end) end with a complete record
    for (let i = open.length; i < lines.length; i += 1) {
      const { text, overlong } = lines[i] as Line;
      if (overlong) {
        // Reported on its own; a record still open before it is parsed on its own (as an error).
        if (i > spanStart) spans.push([spanStart, i]);
        spans.push([i, i + 1]);
        spanStart = end = i + 1;
        quotes = openLength = 0;
        continue;
      }
      if (quotes % 2 === 0) {
        if (text.startsWith('#')) {
          end = i + 1;
          continue;
        }
        recordStart = i;
      }
      quotes += countQuotes(text);
      openLength += text.length + 1;
      if (quotes % 2 === 1 && openLength <= MAX_LINE_LENGTH) continue;
      if (quotes % 2 === 1) {
        // A quote that never closes: the record so far is parsed on its own, as one error.
        if (recordStart > spanStart) spans.push([spanStart, recordStart]);
        spans.push([recordStart, i + 1]);
        spanStart = i + 1;
      }
      end = i + 1;
      quotes = 0;
      openLength = 0;
    }
    if (end > spanStart) spans.push([spanStart, end]);
    open = lines.slice(end);
    for (const [from, to] of spans) {
      const first = lines[from] as Line;
      if (first.overlong) yield errorEntry(source, first.number, overlongReason(first));
      else if (!(yield* entriesOf(spanOf(lines.slice(from, to))))) return;
    }
  }
  if (open.length > 0) yield* entriesOf(spanOf(open));
}

function spanOf(lines: readonly Line[]): Span {
  return { line: (lines[0] as Line).number, text: lines.map((l) => l.text).join('\n') };
}

function rowEntry(source: string, line: number, fields: readonly string[], columns: CsvColumns): InputEntry {
  const url = fields[columns.url] ?? '';
  if (url === '') return errorEntry(source, line, 'no url in this row');
  const path = cell(fields, columns.path);
  const sha256 = cell(fields, columns.sha256);
  const key = cell(fields, columns.key);
  const checked = checkItem({
    url,
    ...(path === undefined ? {} : { path }),
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(key === undefined ? {} : { key }),
    fields: Object.fromEntries(columns.fields.map(({ name, at }) => [name, fields[at] ?? ''])),
  });
  return checked.ok ? itemEntry(source, line, checked.item) : errorEntry(source, line, checked.reason);
}

/** The records and bad records of one span, in line order; rows of empty fields are left out. */
function parseSpan(span: Span, delimiter: ',' | '\t'): Parsed[] {
  const out: Parsed[] = [];
  const at = (endLine: unknown, raw: unknown) =>
    span.line -
    1 +
    recordStartLine(typeof endLine === 'number' ? endLine : 1, typeof raw === 'string' ? raw : '');
  const onSkip = (err: CsvError) => out.push({ line: at(err.lines, err.raw), reason: reasonOf(err) });
  let records: { record: unknown[]; info: Info & { raw?: string } }[];
  try {
    records = parse(span.text, parseOptions(delimiter, onSkip)) as unknown as typeof records;
  } catch (err) {
    return [{ line: span.line, reason: err instanceof CsvError ? reasonOf(err) : String(err) }];
  }
  for (const { record, info } of records) {
    const fields = record.map((field) => String(field).trim());
    if (fields.every((field) => field === '')) continue;
    out.push({ line: at(info.lines, info.raw), fields });
  }
  return out.sort((a, b) => a.line - b.line);
}

function reasonOf(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record is longer than ${MAX_LINE_LENGTH} characters`;
    default:
      return err.message;
  }
}

function countQuotes(text: string): number {
  let count = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) count += 1;
  return count;
}

function cell(fields: readonly string[], index: number | undefined): string | undefined {
  const value = index === undefined ? undefined : fields[index];
  return value === '' ? undefined : value;
}
