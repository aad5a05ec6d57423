import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { DiskError } from '../errors/index.js';

/** What `hashRange` reads from: a `FileHandle`, or a `FileSink` reading back what it wrote. */
export interface ReadAt {
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number; buffer: Buffer }>;
}

const CHUNK = 4 * 1024 * 1024;

/** Two read buffers for `hashRange`, no larger than the bytes they will hold. */
export function readBuffers(bytes: number = CHUNK): [Buffer, Buffer] {
  const size = Math.max(1, Math.min(CHUNK, bytes));
  return [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
}

/**
 * Feeds bytes `[start, end)` of an open file to `hash` (fewer if the file is shorter). Two
 * buffers take turns: the next read is under way in the thread pool while the previous chunk
 * is hashed. Resolves with the number of bytes hashed.
 */
export async function hashRange(
  file: ReadAt,
  hash: Hash,
  start: number,
  end: number,
  buffers: [Buffer, Buffer] = readBuffers(end - start),
): Promise<number> {
  const size = buffers[0].length;
  let pos = start;
  const readAt = (i: number) => file.read(buffers[i]!, 0, Math.max(0, Math.min(size, end - pos)), pos);
  let turn = 0;
  let pending = readAt(turn);
  for (;;) {
    const { bytesRead, buffer } = await pending;
    if (bytesRead === 0) break;
    pos += bytesRead;
    turn ^= 1;
    pending = readAt(turn);
    hash.update(buffer.subarray(0, bytesRead));
  }
  return pos - start;
}

/**
 * SHA-256 (hex) of a file's first `length` bytes, or of all of it. (Only reads: a file already
 * under a final name may be a symlink the user made.)
 */
export async function hashFile(p: string, length = Infinity): Promise<string> {
  const hash = createHash('sha256');
  if (length === 0) return hash.digest('hex');
  try {
    const file = await open(p, 'r');
    try {
      const { size } = await file.stat();
      await hashRange(file, hash, 0, length, readBuffers(Math.min(size, length)));
    } finally {
      await file.close();
    }
  } catch (err) {
    throw new DiskError(`cannot read ${p}: ${(err as Error).message}`, err);
  }
  return hash.digest('hex');
}
