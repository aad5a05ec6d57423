import { StringDecoder } from 'node:string_decoder';
import { InputError, ParafetchError } from '../errors/index.js';

/**
 * One line of a manifest, without its terminator. `number` counts from 1. A line longer than
 * the bound is `overlong`: `text` then holds only its first characters (enough to quote it and
 * to tell an aria2c option line from a URL line), and the line must be reported, never read.
 */
export interface Line {
  readonly number: number;
  readonly text: string;
  readonly overlong?: true;
}

/**
 * Longest line accepted, in characters, in every input format. Anything longer is not a manifest
 * line (a binary file, or a file without newlines), and holding it would break the promise of
 * constant memory.
 */
export const MAX_LINE_LENGTH = 1 << 20;

/** How much of an overlong line is kept, to quote it. */
const OVERLONG_KEPT = 40;

/** The reason given for an overlong line. Pure. */
export function overlongReason(line: Line, maxLength = MAX_LINE_LENGTH): string {
  return `line is longer than ${maxLength} characters (starts ${JSON.stringify(line.text)}); skipped`;
}

/**
 * Splits UTF-8 bytes into lines, lazily: a line is yielded as soon as its terminator arrives,
 * and memory is bounded by one chunk plus one line. Accepts `\n` and `\r\n`, drops a leading
 * byte order mark, and yields a last line without terminator. A line longer than `maxLength` is
 * not held: its first characters are yielded as an `overlong` line, the rest is dropped up to
 * the next line. A read error ends the iteration with an InputError naming the line being read.
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  source: string,
  maxLength = MAX_LINE_LENGTH,
): AsyncGenerator<Line> {
  yield* eachLine(lineBatches(chunks, source, maxLength));
}

/** The lines of `batches`, one at a time. */
export async function* eachLine(batches: AsyncIterable<readonly Line[]>): AsyncGenerator<Line> {
  for await (const batch of batches) yield* batch;
}

/** Like `splitLines`, but yields the lines that each chunk completes together, in one array. */
export async function* lineBatches(
  chunks: AsyncIterable<Buffer>,
  source: string,
  maxLength = MAX_LINE_LENGTH,
): AsyncGenerator<Line[]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  /** Inside a line over the bound: `pending` holds its start, the rest is dropped. */
  let skipping = false;
  let number = 0;
  const line = (text: string): Line => {
    number += 1;
    if (number === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    text = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (skipping || text.length > maxLength) {
      skipping = false;
      return { number, text: text.slice(0, OVERLONG_KEPT), overlong: true };
    }
    return { number, text };
  };
  try {
    for await (const chunk of chunks) {
      const text = decoder.write(chunk);
      const batch: Line[] = [];
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        const whole = skipping ? pending : pending + text.slice(start, end);
        pending = '';
        start = end + 1;
        batch.push(line(whole));
      }
      if (!skipping) {
        pending += text.slice(start);
        // + 1: it may end with the CR of a CRLF
        if (pending.length > maxLength + 1) {
          pending = pending.slice(0, OVERLONG_KEPT);
          skipping = true;
        }
      }
      if (batch.length > 0) yield batch;
    }
    if (!skipping) pending += decoder.end();
  } catch (err) {
    if (err instanceof ParafetchError) throw err;
    throw new InputError(
      source,
      number + 1,
      `cannot read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (skipping || pending !== '') yield [line(pending)];
}
