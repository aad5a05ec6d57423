import fs from 'node:fs';
import { DiskError } from '../errors/index.js';
import { checkPlaced, openOwn, renameCheckedAsync } from './placement.js';
import { removeOwn } from './remove.js';

interface Pending {
  buf: Buffer;
  pos: number;
  /** Order of the write, from 1. */
  seq: number;
}

/**
 * A file open for positional writes. Chunks are queued and written in order with `writev`
 * when they are contiguous; `write` returns false once more than `highWaterMark` bytes wait,
 * and `drained()` resolves when the queue is short again — backpressure for the network.
 * A write starts once `minBatch` bytes wait (or when `flush`, `barrier` or `close` asks), so
 * a fast stream costs one trip through the thread pool per few hundred KiB, not per socket
 * read. Opening never follows a symlink at the file itself, and where the platform tells where
 * an open file is, the file is checked to be in its folder when opened and when committed.
 */
export class FileSink {
  path: string;
  readonly #fd: number;
  /** The real folder the file must stay in, when the platform can tell (see placement.ts). */
  readonly #realDir: string | undefined;
  #closed = false;
  readonly #highWaterMark: number;
  readonly #minBatch: number;
  /** Callers of flush/barrier waiting: batches are not held back meanwhile. */
  #urgent = 0;
  #queue: Pending[] = [];
  #queued = 0;
  #busy = false;
  #error: DiskError | undefined;
  #waiters: Array<() => void> = [];
  #queuedSeq = 0;
  #writtenSeq = 0;

  private constructor(
    path: string,
    fd: number,
    realDir: string | undefined,
    highWaterMark: number,
    minBatch: number,
  ) {
    this.path = path;
    this.#fd = fd;
    this.#realDir = realDir;
    this.#highWaterMark = highWaterMark;
    this.#minBatch = Math.min(minBatch, highWaterMark);
  }

  /**
   * Opens (creating it if missing) the file at `path`, open for reading too. `truncate` empties
   * a file that was there. `realDir`: the real folder it must be in (see placement.ts).
   */
  static async open(
    path: string,
    options: { truncate: boolean; realDir?: string | undefined; highWaterMark?: number; minBatch?: number },
  ): Promise<FileSink> {
    const { fd, created } = await openOwn(path, fs.constants.O_RDWR, options.realDir);
    const sink = new FileSink(
      path,
      fd,
      options.realDir,
      options.highWaterMark ?? 4 * 1024 * 1024,
      options.minBatch ?? 256 * 1024,
    );
    if (options.truncate && !created) {
      try {
        await sink.truncate(0);
      } catch (err) {
        await sink.close(true);
        throw err;
      }
    }
    return sink;
  }

  /** Queues `buf` for `pos`. Returns false when the caller should wait for `drained()`. */
  write(buf: Buffer, pos: number): boolean {
    if (this.#error) throw this.#error;
    this.#queue.push({ buf, pos, seq: ++this.#queuedSeq });
    this.#queued += buf.length;
    this.#kick();
    return this.#queued < this.#highWaterMark;
  }

  /** Resolves when the queue is below the high-water mark (or rejects with the write error). */
  drained(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#queued < this.#highWaterMark) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push(() => (this.#error ? reject(this.#error) : resolve()));
    });
  }

  /** Resolves when every queued byte is written. */
  flush(): Promise<void> {
    return this.#waitUntil(() => this.#queued === 0 && !this.#busy);
  }

  /** Waits, with nothing held back for a batch, until `done()` (or a write fails). */
  async #waitUntil(done: () => boolean): Promise<void> {
    this.#urgent++;
    try {
      while (!done()) {
        if (this.#error) throw this.#error;
        this.#kick();
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
      }
    } finally {
      this.#urgent--;
    }
    if (this.#error) throw this.#error;
  }

  /** Starts a write when none is under way and enough waits (or someone waits for it). */
  #kick(): void {
    if (this.#busy || this.#queue.length === 0) return;
    if (this.#queued >= this.#minBatch || this.#urgent > 0) this.#flushSome();
  }

  #flushSome(): void {
    const first = this.#queue[0];
    if (!first) return;
    // Take the run of chunks that continue one another, up to 64 buffers (the writev limit is 1024).
    const bufs: Buffer[] = [first.buf];
    let end = first.pos + first.buf.length;
    let lastSeq = first.seq;
    let n = 1;
    while (n < this.#queue.length && n < 64) {
      const next = this.#queue[n]!;
      if (next.pos !== end) break;
      bufs.push(next.buf);
      end += next.buf.length;
      lastSeq = next.seq;
      n++;
    }
    this.#queue = n === this.#queue.length ? [] : this.#queue.slice(n);
    this.#busy = true;
    const size = end - first.pos;
    const done = (err: NodeJS.ErrnoException | null, written: number) => {
      this.#busy = false;
      if (err) {
        this.#error = new DiskError(`cannot write ${this.path}: ${err.message}`, err);
        this.#queue = [];
        this.#queued = 0;
      } else {
        this.#queued -= written;
        if (written < size) {
          // A short write (rare): the rest goes back to the front of the queue.
          this.#queue.unshift({
            buf: Buffer.concat(bufs).subarray(written),
            pos: first.pos + written,
            seq: lastSeq,
          });
        } else {
          this.#writtenSeq = lastSeq;
        }
        this.#kick();
      }
      if (this.#error || this.#queued < this.#highWaterMark || this.#writtenSeq === lastSeq) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w();
      }
    };
    if (bufs.length === 1) fs.write(this.#fd, first.buf, 0, first.buf.length, first.pos, done);
    else fs.writev(this.#fd, bufs, first.pos, done);
  }

  /** Resolves when every write queued before this call is in the file (later ones may still wait). */
  barrier(): Promise<void> {
    const target = this.#queuedSeq;
    return this.#waitUntil(() => this.#writtenSeq >= target);
  }

  /** Sets the file's length (a download of known size is laid out in full at once). */
  truncate(length: number): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.ftruncate(this.#fd, length, (err) =>
        err ? reject(new DiskError(`cannot size ${this.path}: ${err.message}`, err)) : resolve(),
      ),
    );
  }

  /** The file's length now (what is queued and not yet written is not counted). */
  size(): Promise<number> {
    return new Promise((resolve, reject) =>
      fs.fstat(this.#fd, (err, st) =>
        err ? reject(new DiskError(`cannot stat ${this.path}: ${err.message}`, err)) : resolve(st.size),
      ),
    );
  }

  /**
   * Checks, before a download continues in it, that the file still holds the first `length`
   * bytes it was given: a file removed or cut meanwhile would otherwise be extended with zeros.
   */
  async assertHolds(length: number): Promise<void> {
    const size = await this.size();
    if (size < length) {
      throw new DiskError(
        `cannot resume ${this.path}: it holds ${size} bytes, not the ${length} already received (the file was removed or cut)`,
      );
    }
  }

  /** Flushes the file's data to the device. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.fdatasync(this.#fd, (err) =>
        err ? reject(new DiskError(`cannot sync ${this.path}: ${err.message}`, err)) : resolve(),
      ),
    );
  }

  /** Reads bytes back (a hash of what was written), like `FileHandle.read`. */
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    return new Promise((resolve, reject) =>
      fs.read(this.#fd, buffer, offset, length, position, (err, bytesRead) =>
        err
          ? reject(new DiskError(`cannot read ${this.path}: ${err.message}`, err))
          : resolve({ bytesRead, buffer }),
      ),
    );
  }

  /**
   * Moves the complete file to `finalPath` (same folder) in one step, then closes it. Queued
   * writes are flushed first and, with `durable` (the default), the data is synced to the
   * device before the rename: a rename to a new name does not wait for the data on ext4 and
   * others, so after a power loss the name could hold an empty or short file. Where the
   * platform tells, the open file is checked to be in its folder just before the rename and
   * under `finalPath` after it: a folder swapped for a symlink meanwhile fails with UNSAFE_PATH
   * and our file is removed from where it landed.
   */
  async commit(finalPath: string, durable = true): Promise<void> {
    try {
      await this.flush();
      if (durable) await this.sync();
      await renameCheckedAsync(this.#fd, this.path, finalPath, this.#realDir);
      this.path = finalPath;
    } finally {
      await this.close(true);
    }
  }

  /** Closes the file and removes it, unless it is no longer where it was opened. */
  async discard(): Promise<void> {
    let here = true;
    if (!this.#closed) {
      try {
        checkPlaced(this.#fd, this.path, this.#realDir, false);
      } catch {
        here = false;
      }
    }
    await this.close(true);
    if (here) await removeOwn(this.path, this.#realDir);
  }

  /** Waits for queued writes (unless `discard`), then closes the descriptor (once). */
  async close(discard = false): Promise<void> {
    if (this.#closed) return;
    if (discard) {
      // Only what waits is dropped: a write under way still takes its own bytes off the count.
      for (const p of this.#queue) this.#queued -= p.buf.length;
      this.#queue = [];
    }
    let pending: unknown;
    try {
      await this.flush();
    } catch (err) {
      pending = err;
    }
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => fs.close(this.#fd, () => resolve()));
    if (pending && !discard) throw pending;
  }
}
