import type { Hash } from 'node:crypto';
import type { ParafetchError } from '../errors/index.js';
import { BodyTooLongError } from '../errors/index.js';
import type { ResponseBody } from '../transport/response-body.js';

/** Where a body's bytes go: a file at offsets, or an upload front to back (which ignores them). */
export interface ChunkSink {
  /** Takes a chunk for offset `pos`; false asks the sender to wait for `drained()`. */
  write(chunk: Buffer, pos: number): boolean;
  drained(): Promise<void>;
}

/** One body written front to back into a sink, from a given offset. */
export interface StreamReceive {
  body: ResponseBody;
  sink: ChunkSink;
  /** Offset of the body's first byte in the file. */
  from: number;
  /** Where the body must end at the latest (its Content-Range, or the known size); undefined: unknown. */
  limit: number | undefined;
  /** Fed every byte written, in order. */
  hash: Hash | undefined;
  /** After every chunk written, with the position reached and the chunk's size. */
  onChunk(pos: number, n: number): void;
  /** Any failure while reading or writing, as a ParafetchError. */
  asError(err: unknown): ParafetchError;
  url: string;
}

/**
 * Writes the body at its offsets as each chunk arrives, hashing it in the same pass, and pauses
 * the connection while the file is behind. A chunk that would run past `limit` is not written
 * (nor hashed): the body fails with BODY_TOO_LONG. Resolves with the position reached and the
 * failure, if any (the body is destroyed then).
 */
export async function receiveStream(r: StreamReceive): Promise<{ pos: number; failure?: ParafetchError }> {
  const { sink, hash, limit, body } = r;
  let pos = r.from;
  const resume = () => body.resume();
  const fail = (err: unknown) => body.destroy(err);
  try {
    await body.pipeTo((chunk) => {
      if (limit !== undefined && pos + chunk.length > limit)
        throw new BodyTooLongError(limit - r.from, r.url);
      hash?.update(chunk);
      const ok = sink.write(chunk, pos);
      pos += chunk.length;
      r.onChunk(pos, chunk.length);
      if (ok) return true;
      sink.drained().then(resume, fail);
      return false;
    });
  } catch (err) {
    body.destroy();
    return { pos, failure: r.asError(err) };
  }
  return { pos };
}
