import { StringDecoder } from 'node:string_decoder';
import { InputError, ParafetchError } from '../errors/index.js';

/** One line of a manifest, without its terminator. `number` counts from 1. */
export interface Line {
  readonly number: number;
  readonly text: string;
}

/**
 * Longest line accepted, in characters. Anything longer is not a manifest (a binary file, or a
 * file without newlines), and holding it would break the promise of constant memory.
 */
export const MAX_LINE_LENGTH = 1 << 20;

/**
 * Splits UTF-8 bytes into lines, lazily: a line is yielded as soon as its terminator arrives,
 * and memory is bounded by one chunk plus one line. Accepts `\n` and `\r\n`, drops a leading
 * byte order mark, and yields a last line without terminator. A line longer than `maxLength`
 * and any read error end the iteration with an InputError naming the line being read.
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
  let number = 0;
  const line = (text: string): Line => {
    number += 1;
    if (number === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    return { number, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };
  const tooLong = () =>
    new InputError(
      source,
      number + 1,
      `line is longer than ${maxLength} characters; is this a text manifest?`,
    );
  try {
    for await (const chunk of chunks) {
      const text = decoder.write(chunk);
      const batch: Line[] = [];
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        const whole = pending + text.slice(start, end);
        pending = '';
        start = end + 1;
        if (whole.length - (whole.endsWith('\r') ? 1 : 0) > maxLength) throw tooLong();
        batch.push(line(whole));
      }
      pending += text.slice(start);
      if (pending.length > maxLength + 1) throw tooLong(); // + 1: it may end with the CR of a CRLF
      if (batch.length > 0) yield batch;
    }
    pending += decoder.end();
  } catch (err) {
    if (err instanceof ParafetchError) throw err;
    throw new InputError(
      source,
      number + 1,
      `cannot read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (pending.length > maxLength) throw tooLong();
  if (pending !== '') yield [line(pending)];
}
