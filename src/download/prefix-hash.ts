import { createHash } from 'node:crypto';
import { DiskError } from '../errors/index.js';
import type { FileSink } from '../storage/file-sink.js';
import { hashRange, readBuffers } from '../storage/hash-file.js';
import type { SegmentTable } from './segments.js';

/** Hash in steps of at least this much, so a pass costs little next to what it covers. */
const STEP = 8 * 1024 * 1024;

/**
 * SHA-256 of a segmented download, computed while it runs: SHA-256 takes its input in order,
 * so this follows the part of the file that is complete from the start: a chunk that continues
 * it is hashed as it is written (`wrote`), and what other connections wrote ahead is read back
 * (from the page cache, through the file's own descriptor) once the prefix reaches it. Segments are planned in waves in file order, so that
 * part grows all along and little is left to hash when the last range arrives.
 */
export class PrefixHasher {
  readonly #hash = createHash('sha256');
  readonly #sink: FileSink;
  readonly #table: SegmentTable;
  /** Reused by every pass while it runs. */
  #buffers: [Buffer, Buffer] | undefined;
  #hashed = 0;
  #sinceCheck = 0;
  #running: Promise<void> | undefined;
  #error: unknown;

  constructor(sink: FileSink, table: SegmentTable) {
    this.#sink = sink;
    this.#table = table;
  }

  /** Counts bytes received; now and then, hashes what became complete from the start. */
  advance(n: number): void {
    this.#sinceCheck += n;
    if (this.#sinceCheck < STEP || this.#running || this.#error !== undefined) return;
    this.#sinceCheck = 0;
    const target = this.#prefixEnd();
    if (target - this.#hashed < STEP) return;
    this.#running = this.#hashTo(target, true)
      .catch((err: unknown) => {
        this.#error = err;
      })
      .finally(() => (this.#running = undefined));
  }

  /**
   * A chunk queued for `pos`: when it continues the bytes hashed so far (and no pass reading the
   * file back runs), it is hashed now, so bytes that arrive in order are never read back.
   */
  wrote(chunk: Buffer, pos: number): void {
    if (pos !== this.#hashed || this.#running || this.#error !== undefined) return;
    this.#hash.update(chunk);
    this.#hashed += chunk.length;
  }

  /** After every range is written: hashes the rest and returns the digest. */
  async finish(): Promise<string> {
    await this.#running;
    if (this.#error !== undefined) throw this.#error;
    await this.#hashTo(this.#table.size, false);
    return this.#hash.digest('hex');
  }

  /** Waits for a pass under way (also after a failure), so the file may be closed. */
  async close(): Promise<void> {
    await this.#running;
  }

  #prefixEnd(): number {
    const first = this.#table.doneRanges()[0];
    return first && first[0] === 0 ? first[1] : 0;
  }

  async #hashTo(target: number, waitForWrites: boolean): Promise<void> {
    if (target <= this.#hashed) return;
    // Bytes counted in the table may still wait in the sink's queue.
    if (waitForWrites) await this.#sink.barrier();
    try {
      this.#buffers ??= readBuffers(this.#table.size);
      const got = await hashRange(this.#sink, this.#hash, this.#hashed, target, this.#buffers);
      this.#hashed += got;
      if (this.#hashed < target) throw new Error(`the file ends at ${this.#hashed}, not ${target}`);
    } catch (err) {
      throw err instanceof DiskError
        ? err
        : new DiskError(`cannot read ${this.#sink.path}: ${(err as Error).message}`, err);
    }
  }
}
