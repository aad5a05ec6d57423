import { addAbortSignal } from 'node:stream';
import { AbortedError, InputError, InvalidOptionError, ParafetchError } from '../errors/index.js';
import { readAria2 } from './aria2.js';
import { detectFormat, INPUT_FORMATS, isInputFormat, type InputFormat } from './detect.js';
import type { InputEntry } from './entry.js';
import { gunzipIfCompressed } from './gzip.js';
import { readJsonl } from './jsonl.js';
import { eachLine, lineBatches, type Line } from './lines.js';
import { bytesOf, openSource, STDIN_NAME } from './source.js';
import { readText } from './text.js';

export interface ReadInputOptions {
  /** Forces the format; by default `detectFormat(source)` (stdin: `txt`). */
  format?: InputFormat;
  /** What `-` reads; process.stdin by default. */
  stdin?: NodeJS.ReadableStream;
  /** Stops reading: the iterator throws an AbortedError and the input is closed. */
  signal?: AbortSignal;
}

type FormatReader = (batches: AsyncIterable<readonly Line[]>, source: string) => AsyncGenerator<InputEntry>;

const READERS: Readonly<Record<InputFormat, FormatReader>> = {
  txt: (batches, source) => readText(eachLine(batches), source),
  aria2: (batches, source) => readAria2(eachLine(batches), source),
  csv: (batches, source) => csv(batches, source, ','),
  tsv: (batches, source) => csv(batches, source, '\t'),
  jsonl: (batches, source) => readJsonl(eachLine(batches), source),
};

/** The CSV parser is loaded only by runs that read CSV or TSV. */
async function* csv(batches: AsyncIterable<readonly Line[]>, source: string, delimiter: ',' | '\t') {
  const { readCsv } = await import('./csv.js');
  yield* readCsv(batches, source, delimiter);
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['format', 'stdin', 'signal']);

/**
 * Streams the entries of a manifest (`source` is a file path, or `-` for stdin), in input order
 * and lazily: an entry is produced as soon as its lines have arrived, and memory does not grow
 * with the length of the input. Gzip is recognised by its magic bytes and decompressed on the
 * fly. A malformed line is an `error` entry and reading goes on; a warning entry notes
 * something ignored. Entries name the source as given (stdin as `<stdin>`) and a line from 1.
 *
 * The iterator throws an InputError when the file cannot be opened (line 0) or read, and an
 * AbortedError when `signal` aborts. Options are checked at once: InvalidOptionError. Iterate
 * once; the input is closed when iteration ends, early or not (stdin included).
 */
export function readInput(source: string, options: ReadInputOptions = {}): AsyncIterable<InputEntry> {
  if (typeof source !== 'string' || source === '') {
    throw new InvalidOptionError('source', 'a file path or "-" for stdin', source);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new InvalidOptionError(key, `one of the options ${[...OPTION_KEYS].join(', ')}`, undefined);
    }
  }
  const { format = detectFormat(source), stdin, signal } = options;
  if (!isInputFormat(format)) {
    throw new InvalidOptionError('format', `one of ${INPUT_FORMATS.map((f) => `"${f}"`).join(', ')}`, format);
  }
  if (stdin !== undefined && typeof (stdin as Partial<NodeJS.ReadableStream>).on !== 'function') {
    throw new InvalidOptionError('stdin', 'a readable stream', stdin);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  }
  return entries(source, READERS[format], stdin, signal);
}

async function* entries(
  source: string,
  read: FormatReader,
  stdin: NodeJS.ReadableStream | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<InputEntry> {
  const name = source === '-' ? STDIN_NAME : source;
  if (signal?.aborted) throw new AbortedError(name, signal.reason);
  const stream = await openSource(source, stdin);
  try {
    if (signal !== undefined) addAbortSignal(signal, stream);
    for await (const entry of read(lineBatches(gunzipIfCompressed(bytesOf(stream)), name), name)) {
      if (signal?.aborted) break;
      yield entry;
    }
    if (signal?.aborted) throw new AbortedError(name, signal.reason);
  } catch (err) {
    if (signal?.aborted) throw new AbortedError(name, signal.reason);
    if (err instanceof ParafetchError) throw err;
    throw new InputError(name, 0, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    stream.destroy();
  }
}
