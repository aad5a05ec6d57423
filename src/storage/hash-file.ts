import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { DiskError } from '../errors/index.js';

const CHUNK = 4 * 1024 * 1024;

/**
 * SHA-256 (hex) of a file's first `length` bytes, or of all of it. Two buffers take turns:
 * the next read is under way in the thread pool while the previous chunk is hashed.
 */
export async function hashFile(p: string, length = Infinity): Promise<string> {
  const hash = createHash('sha256');
  if (length === 0) return hash.digest('hex');
  try {
    const file = await open(p, 'r');
    try {
      const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
      let pos = 0;
      const readAt = (i: number) =>
        file.read(buffers[i]!, 0, Math.max(0, Math.min(CHUNK, length - pos)), pos);
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
    } finally {
      await file.close();
    }
  } catch (err) {
    throw new DiskError(`cannot read ${p}: ${(err as Error).message}`, err);
  }
  return hash.digest('hex');
}
