import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { InputError } from '../errors/index.js';

/** How stdin is named in entries and messages. */
export const STDIN_NAME = '<stdin>';

/**
 * Opens a manifest: a file path, or `-` for `stdin` (process.stdin unless given). A file that
 * cannot be opened, or is a directory, is an InputError on line 0. The caller owns the stream.
 */
export async function openSource(
  source: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<Readable> {
  if (source === '-') return stdin instanceof Readable ? stdin : new Readable().wrap(stdin);
  let handle;
  try {
    handle = await open(source, 'r');
  } catch (err) {
    throw new InputError(source, 0, `cannot open: ${(err as Error).message}`);
  }
  try {
    if ((await handle.stat()).isDirectory())
      throw new InputError(source, 0, 'cannot open: it is a directory');
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle.createReadStream();
}

/** The chunks of `stream` as Buffers (stdin may deliver strings when an encoding is set). */
export async function* bytesOf(stream: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<unknown>) {
    if (Buffer.isBuffer(chunk)) yield chunk;
    else if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError(`expected bytes or strings from the input stream, got ${typeof chunk}`);
  }
}
