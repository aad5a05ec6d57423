import fs from 'node:fs';
import { DiskError } from '../errors/index.js';

const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = fs.constants;

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
 * read. Opening never follows a symlink at the file itself.
 */
export class FileSink {
  readonly path: string;
  readonly #fd: number;
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

  private constructor(path: string, fd: number, highWaterMark: number, minBatch: number) {
    this.path = path;
    this.#fd = fd;
    this.#highWaterMark = highWaterMark;
    this.#minBatch = Math.min(minBatch, highWaterMark);
  }

  static open(
    path: string,
    options: { truncate: boolean; highWaterMark?: number; minBatch?: number },
  ): Promise<FileSink> {
    const flags = O_WRONLY | O_CREAT | O_NOFOLLOW | (options.truncate ? O_TRUNC : 0);
    return new Promise((resolve, reject) => {
      fs.open(path, flags, 0o644, (err, fd) => {
        if (err) reject(new DiskError(`cannot open ${path}: ${err.message}`, err));
        else
          resolve(
            new FileSink(path, fd, options.highWaterMark ?? 4 * 1024 * 1024, options.minBatch ?? 256 * 1024),
          );
      });
    });
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

  /** Flushes the file's data to the device. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.fdatasync(this.#fd, (err) =>
        err ? reject(new DiskError(`cannot sync ${this.path}: ${err.message}`, err)) : resolve(),
      ),
    );
  }

  /** Waits for queued writes (unless `discard`), then closes the descriptor. */
  async close(discard = false): Promise<void> {
    if (discard) {
      this.#queue = [];
      this.#queued = 0;
    }
    let pending: unknown;
    try {
      await this.flush();
    } catch (err) {
      pending = err;
    }
    await new Promise<void>((resolve) => fs.close(this.#fd, () => resolve()));
    if (pending && !discard) throw pending;
  }
}
