import { createHash } from 'node:crypto';
import { FileSink } from '../storage/file-sink.js';
import { hashRange } from '../storage/hash-file.js';
import type { DownloadState } from './download-state.js';

/**
 * Opens a part file that holds every byte of its version already (a body that ran past its
 * end was stopped exactly there), so no range is left to ask for: a request for
 * `bytes=SIZE-(SIZE-1)` is invalid, and its 416 would throw the file away. Resolves with the
 * sink (open, for the commit) and the digest when `hashed`; or undefined, having forgotten the
 * version, when the file does not hold that many bytes after all.
 */
export async function openHeldPart(
  s: DownloadState,
  hashed: boolean,
): Promise<{ sink: FileSink; digest: string | undefined } | undefined> {
  const size = s.total!;
  const sink = await FileSink.open(s.part, { truncate: false, realDir: s.realDir });
  try {
    const last = await sink.read(Buffer.alloc(1), 0, 1, size - 1);
    if (last.bytesRead !== 1) {
      await sink.close(true);
      s.restart();
      return undefined;
    }
    await sink.truncate(size);
    let hash = s.hash;
    if (hashed && !hash) {
      hash = createHash('sha256');
      await hashRange(sink, hash, 0, size);
    }
    s.hash = undefined;
    return { sink, digest: hash?.digest('hex') };
  } catch (err) {
    await sink.close(true);
    throw err;
  }
}
