import fs from 'node:fs';
import { DiskError, UnsafePathError } from '../errors/index.js';
import { openOwnSync, renameChecked } from './placement.js';
import { removeOwnSync } from './remove.js';

const { O_WRONLY } = fs.constants;

/**
 * Whether small files are written with direct (synchronous) calls. On a fast local disk that
 * costs a few tens of microseconds per file, far less CPU than four trips through libuv's
 * thread pool; but every direct call stalls all connections. So direct calls are used only
 * while the event loop has time to spare (under `busyAbove` of the last 100 ms spent working: with many connections the loop is busy),
 * and never again in a run whose writes took over `slowMs` a file three times more often than
 * not (a network file system, a spinning disk, ext4 busy discarding blocks freed by a large
 * delete): the thread pool overlaps those with each other and with the network.
 */
export class SyncWriteGate {
  /** A burst of calls slower than this counts as slow. */
  readonly #slowMs: number;
  readonly #busyAbove: number;
  #slow = 0;
  #slowDisk = false;
  #busy = false;
  #checkedAt = -Infinity;
  #elu = performance.eventLoopUtilization();

  constructor(slowMs = 0.5, busyAbove = 0.25) {
    this.#slowMs = slowMs;
    this.#busyAbove = busyAbove;
  }

  get enabled(): boolean {
    if (this.#slowDisk) return false;
    const now = performance.now();
    if (now - this.#checkedAt >= 100) {
      const elu = performance.eventLoopUtilization();
      this.#busy = performance.eventLoopUtilization(elu, this.#elu).utilization > this.#busyAbove;
      this.#elu = elu;
      this.#checkedAt = now;
    }
    return !this.#busy;
  }

  /** Notes how long one burst of direct calls took. */
  record(ms: number): void {
    if (ms <= this.#slowMs) {
      this.#slow = Math.max(0, this.#slow - 1);
      return;
    }
    if (++this.#slow >= 3) this.#slowDisk = true;
  }
}

/** Size of the regular file at `p`, or undefined; one direct stat, no exception for a missing file. */
export function existingSizeSync(p: string): number | undefined {
  try {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    return st?.isFile() ? st.size : undefined;
  } catch (err) {
    throw new DiskError(`cannot stat ${p}: ${(err as Error).message}`, err);
  }
}

/** Writes `chunks` from offset 0 into the open file; a file that was there is cut to their length. */
function writeChunks(fd: number, chunks: readonly Buffer[], created: boolean): void {
  let pos = 0;
  for (const chunk of chunks) {
    let done = 0;
    while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done, pos + done);
    pos += chunk.length;
  }
  if (!created) fs.ftruncateSync(fd, pos);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing more to do
  }
}

/**
 * Writes a whole small body to `partPath` and moves it to `finalPath`, with direct calls. The
 * data is not synced to the device (an fdatasync costs milliseconds, far more than the rest):
 * after a power loss the name may hold an empty or short file. A run that must not risk that
 * (`durable`) writes no file with this.
 * Never follows a symlink at `partPath`. `realDir`, when the platform can tell where an open
 * file is, is the real folder both names must be in: the file is checked after it is opened
 * and again, still open, after the rename (two cheap calls). Returns the milliseconds spent.
 */
export function writeSmallFileSync(
  partPath: string,
  finalPath: string,
  chunks: readonly Buffer[],
  realDir?: string,
): number {
  const started = performance.now();
  const { fd, created } = openOwnSync(partPath, O_WRONLY, realDir);
  try {
    writeChunks(fd, chunks, created);
    renameChecked(fd, partPath, finalPath, realDir, false);
  } catch (err) {
    closeQuietly(fd);
    if (err instanceof UnsafePathError) throw err;
    removeOwnSync(partPath, realDir);
    throw err instanceof DiskError
      ? err
      : new DiskError(`cannot write ${partPath}: ${(err as Error).message}`, err);
  }
  closeQuietly(fd);
  return performance.now() - started;
}

/** Writes the first bytes of a body to `partPath` (for a later resume). Returns the milliseconds spent. */
export function writePartSync(partPath: string, chunks: readonly Buffer[], realDir?: string): number {
  const started = performance.now();
  const { fd, created } = openOwnSync(partPath, O_WRONLY, realDir);
  try {
    writeChunks(fd, chunks, created);
  } catch (err) {
    throw new DiskError(`cannot write ${partPath}: ${(err as Error).message}`, err);
  } finally {
    closeQuietly(fd);
  }
  return performance.now() - started;
}
