import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** Whether `head` starts with the gzip magic bytes 1f 8b. Pure. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Passes `chunks` through, gunzipped when they start with the gzip magic bytes, so that
 * compressed stdin and misnamed files work. Decompression is streaming: output is available as
 * soon as the compressed bytes that hold it have arrived. Concatenated members are read in turn.
 */
export async function* gunzipIfCompressed(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) {
      if (head.length > 0) yield head;
      return;
    }
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (!isGzip(head)) {
    yield head;
    yield* rest;
    return;
  }
  const gunzip = createGunzip();
  // Errors of the compressed source reach us through `gunzip`, which the pipeline destroys.
  pipeline(Readable.from(replay(head, rest)), gunzip).catch(() => {});
  try {
    yield* gunzip;
  } catch (err) {
    throw isZlibError(err) ? new Error(`corrupt gzip data: ${err.message}`, { cause: err }) : err;
  } finally {
    gunzip.destroy();
  }
}

async function* replay(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  yield* rest;
}

function isZlibError(err: unknown): err is Error {
  const code: unknown = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && code.startsWith('Z_');
}
