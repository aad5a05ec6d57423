import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { CannotContinueError, DiskError } from '../errors/index.js';
import { FileSink } from '../storage/file-sink.js';
import type { HttpResponse } from '../transport/client.js';
import { header } from '../transport/headers.js';
import type { DownloadState } from './download-state.js';

/** Bytes read from the file at the final name at a time, while it is copied into the part file. */
const CHUNK = 1024 * 1024;

/**
 * Continuing a file found at the final name (`continue`), once the server answered with the
 * range that follows it: its first `length` bytes go into a fresh part file (hashed on the way
 * when asked), which the body is appended to. The file under the final name stays untouched
 * until the complete one replaces it, so an answer that turns out wrong costs nothing of it.
 */
export async function copyIntoPart(s: DownloadState, length: number, hashed: boolean): Promise<FileSink> {
  const sink = await FileSink.open(s.part, { truncate: true, realDir: s.realDir });
  const hash = hashed ? createHash('sha256') : undefined;
  try {
    // Only read: a file under a final name may be a symlink the user made.
    const file = await open(s.finalPath!, 'r').catch((err: unknown) => {
      throw new DiskError(`cannot read ${s.finalPath}: ${(err as Error).message}`, err);
    });
    try {
      for (let pos = 0; pos < length;) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, length - pos));
        const { bytesRead } = await file.read(buf, 0, buf.length, pos);
        if (bytesRead === 0)
          throw new DiskError(`cannot continue ${s.finalPath}: it ends at ${pos}, not ${length}`);
        const chunk = buf.subarray(0, bytesRead);
        hash?.update(chunk);
        if (!sink.write(chunk, pos)) await sink.drained();
        pos += bytesRead;
      }
    } finally {
      await file.close();
    }
    await sink.flush();
  } catch (err) {
    await sink.discard().catch(() => {});
    throw err;
  }
  s.hash = hash;
  s.continuing = 'part';
  return sink;
}

/**
 * A 416 answering the range after a file found at the final name: the server's size, from its
 * `Content-Range: bytes * /SIZE`, says whether the file is whole (resolves true) or longer than
 * the server's (CANNOT_CONTINUE).
 */
export function wholeAlready(res: HttpResponse, from: number, path: string): true {
  const m = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(header(res.headers, 'content-range') ?? '');
  const size = m ? Number(m[1]) : undefined;
  if (size === from) return true;
  throw new CannotContinueError(
    res.url.href,
    path,
    size === undefined
      ? `the server cannot serve bytes from ${from} on and does not say its size`
      : `the file there is ${from} bytes, longer than the server's ${size}; it is kept as it is`,
  );
}
