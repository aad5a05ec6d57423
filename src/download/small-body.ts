import type { Hash } from 'node:crypto';
import type { ParafetchError } from '../errors/index.js';
import { BodyTooLongError } from '../errors/index.js';
import type { ResponseBody } from '../transport/response-body.js';

/** A small body held in memory. */
export interface SmallBody {
  chunks: Buffer[];
  received: number;
  failure?: ParafetchError;
}

/**
 * Reads a whole small body into memory (it is written in one burst once complete and
 * verified). A chunk that would run past `limit` (the announced size) is dropped and the body
 * fails with BODY_TOO_LONG.
 */
export async function readSmallBody(
  body: ResponseBody,
  limit: number,
  hash: Hash | undefined,
  onChunk: (received: number, n: number) => void,
  asError: (err: unknown) => ParafetchError,
  url: string,
): Promise<SmallBody> {
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    await body.pipeTo((chunk) => {
      if (received + chunk.length > limit) throw new BodyTooLongError(limit, url);
      hash?.update(chunk);
      chunks.push(chunk);
      received += chunk.length;
      onChunk(received, chunk.length);
    });
  } catch (err) {
    body.destroy();
    return { chunks, received, failure: asError(err) };
  }
  return { chunks, received };
}
