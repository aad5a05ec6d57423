import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreError } from '../../errors/index.js';
import { FileSink } from '../file-sink.js';
import { diskError } from '../make-folder.js';

export interface SpoolLimits {
  /** The most one item may hold in memory; a larger one goes to a spool file (default 1 MiB). */
  itemMemory?: number;
  /** The most all items together may hold in memory (default 64 MiB). */
  totalMemory?: number;
}

/** The name every spool folder starts with. */
const SPOOL_PREFIX = '.parafetch-spool-';
/** An item's bytes, held until its turn: in memory, or in a spool file. */
export interface SpooledBody {
  readonly size: number;
  /** Its bytes, in order, in chunks of at most `chunk` bytes when read from a file. */
  chunks(): AsyncIterable<Buffer>;
  /** Lets the bytes go (memory freed, file removed). Safe twice. */
  release(): Promise<void>;
}

/**
 * Where items' bytes wait for their turn in a shard. Small items stay in memory within a budget;
 * the rest are written to files in a fresh folder of local disk (`dir`, default the system's
 * temp folder), made at the first need and removed by `remove`.
 */
export class Spool {
  readonly #parent: string;
  /** What this output's spool folders are named from: `.parafetch-spool-[TAG-]`. */
  readonly #prefix: string;
  readonly #itemMemory: number;
  readonly #totalMemory: number;
  #dir: Promise<string> | undefined;
  #memory = 0;
  #seq = 0;

  /**
   * `tag` names this output's spool folders apart from others' in a shared folder (the system's
   * temp folder), so that `sweep` removes only its own.
   */
  constructor(parent: string | undefined, limits: SpoolLimits = {}, tag?: string) {
    this.#parent = parent ?? os.tmpdir();
    this.#prefix = tag === undefined ? SPOOL_PREFIX : `${SPOOL_PREFIX}${tag}-`;
    this.#itemMemory = limits.itemMemory ?? 1024 * 1024;
    this.#totalMemory = limits.totalMemory ?? 64 * 1024 * 1024;
  }

  /** Bytes held in memory now. */
  get memory(): number {
    return this.#memory;
  }

  /** A writer for one item; `size` when known (a large item goes to a file at once). */
  async writer(index: number, size: number | undefined): Promise<SpoolWriter> {
    const w = new SpoolWriter(this, index);
    if (size !== undefined && size > this.#itemMemory) await w.spill();
    return w;
  }

  /** Takes `n` bytes of the memory budget for an item already holding `held`, if they fit. */
  reserve(held: number, n: number): boolean {
    if (held + n > this.#itemMemory || this.#memory + n > this.#totalMemory) return false;
    this.#memory += n;
    return true;
  }

  free(n: number): void {
    this.#memory -= n;
  }

  /** A fresh file path in the spool folder. */
  async file(index: number): Promise<string> {
    this.#dir ??= fs.promises.mkdtemp(path.join(this.#parent, this.#prefix)).catch((err) => {
      this.#dir = undefined;
      throw diskError('create a spool folder in', this.#parent, err);
    });
    return path.join(await this.#dir, `${index}.${++this.#seq}`);
  }

  /**
   * Removes the spool folders an earlier run left in the same folder (it was killed before it
   * could): nothing in them is ever read again.
   */
  async sweep(): Promise<void> {
    const names = await fs.promises.readdir(this.#parent).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(this.#prefix)) continue;
      await fs.promises.rm(path.join(this.#parent, name), { recursive: true, force: true }).catch(() => {});
    }
  }

  /** Removes the spool folder and all in it. */
  async remove(): Promise<void> {
    const dir = this.#dir;
    this.#dir = undefined;
    if (!dir) return;
    const d = await dir.catch(() => undefined);
    if (d) await fs.promises.rm(d, { recursive: true, force: true }).catch(() => {});
  }
}

/** One item's bytes as they arrive; sequential, with backpressure once in a file. */
export class SpoolWriter {
  readonly #spool: Spool;
  readonly #index: number;
  #chunks: Buffer[] = [];
  #size = 0;
  /** Bytes of `#chunks` taken from the memory budget. */
  #reserved = 0;
  #sink: FileSink | undefined;
  #spilling: Promise<void> | undefined;
  #error: unknown;
  #ended = false;

  constructor(spool: Spool, index: number) {
    this.#spool = spool;
    this.#index = index;
  }

  write(chunk: Uint8Array): boolean {
    if (this.#ended) throw new StoreError(`cannot write item ${this.#index}: its upload has ended`);
    if (this.#error) return false;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#sink) {
      try {
        const more = this.#sink.write(buf, this.#size);
        this.#size += buf.length;
        return more;
      } catch (err) {
        this.#error = err;
        return false;
      }
    }
    // A copy: a chunk the network hands over may be a slice of a much larger read, which holding
    // it would keep whole while the item waits for its turn.
    this.#chunks.push(buf.length === buf.buffer.byteLength ? buf : Buffer.from(buf));
    this.#size += buf.length;
    if (this.#spilling) return false;
    if (this.#spool.reserve(this.#reserved, buf.length)) {
      this.#reserved += buf.length;
      return true;
    }
    void this.spill().catch(() => {});
    return false;
  }

  /** Moves what is held into a spool file; later bytes go straight there. */
  spill(): Promise<void> {
    this.#spilling ??= (async () => {
      try {
        const file = await this.#spool.file(this.#index);
        const sink = await FileSink.open(file, { truncate: true });
        let pos = 0;
        for (const c of this.#chunks) {
          sink.write(c, pos);
          pos += c.length;
        }
        this.#chunks = [];
        this.#spool.free(this.#reserved);
        this.#reserved = 0;
        this.#sink = sink;
        if (this.#ended) await sink.flush().then(() => sink.discard());
      } catch (err) {
        this.#error = err;
        throw err;
      }
    })();
    return this.#spilling;
  }

  async drained(): Promise<void> {
    if (this.#spilling) await this.#spilling;
    if (this.#error) throw this.#error;
    await this.#sink?.drained();
  }

  /** Ends the writing: the bytes, held for their turn. */
  async finish(): Promise<SpooledBody> {
    this.#ended = true;
    if (this.#spilling) await this.#spilling.catch(() => {});
    if (this.#error) {
      await this.discard();
      throw this.#error;
    }
    const size = this.#size;
    const sink = this.#sink;
    if (sink) {
      await sink.close();
      return fileBody(sink.path, size);
    }
    const chunks = this.#chunks;
    const reserved = this.#reserved;
    this.#chunks = [];
    this.#reserved = 0;
    return memoryBody(this.#spool, chunks, size, reserved);
  }

  /** Drops the bytes. */
  async discard(): Promise<void> {
    this.#ended = true;
    this.#chunks = [];
    this.#spool.free(this.#reserved);
    this.#reserved = 0;
    if (this.#spilling) await this.#spilling.catch(() => {});
    // Drained first: see FileUpload.abort.
    await this.#sink?.flush().catch(() => {});
    await this.#sink?.discard();
  }
}

function memoryBody(spool: Spool, chunks: Buffer[], size: number, reserved: number): SpooledBody {
  let released = false;
  return {
    size,
    async *chunks() {
      yield* chunks;
    },
    async release() {
      if (released) return;
      released = true;
      chunks = [];
      spool.free(reserved);
    },
  };
}

const READ_CHUNK = 1024 * 1024;

function fileBody(file: string, size: number): SpooledBody {
  return {
    size,
    async *chunks() {
      const stream = fs.createReadStream(file, { highWaterMark: READ_CHUNK });
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (err) {
        throw diskError('read spool file', file, err);
      }
    },
    async release() {
      await fs.promises.unlink(file).catch(() => {});
    },
  };
}
