import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DiskError } from '../errors/index.js';

/** SHA-256 (hex) of a file's first `length` bytes, or of all of it. */
export async function hashFile(p: string, length?: number): Promise<string> {
  const hash = createHash('sha256');
  try {
    if (length === 0) return hash.digest('hex');
    const stream = createReadStream(p, length === undefined ? {} : { start: 0, end: length - 1 });
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (err) {
    throw new DiskError(`cannot read ${p}: ${(err as Error).message}`, err);
  }
  return hash.digest('hex');
}
