import tar from 'tar-stream';
import { StoreError } from '../../errors/index.js';
import type { Store, Upload } from '../store.js';

/** What of a tar member's writable side is used. */
interface MemberSink {
  write(chunk: Buffer): boolean;
  end(data?: unknown): unknown;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  destroy(err?: Error): unknown;
}

/** Every member's header but its name and size: the same bytes in make the same tar out. */
const FIXED = { mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), type: 'file' } as const;

/**
 * One tar shard, streamed into one upload of the base store as members are added, and made
 * visible whole at `commit` (or never, at `abort`). Headers carry no time, owner or user name.
 */
export class TarShard {
  readonly name: string;
  readonly #upload: Upload;
  readonly #pack: tar.Pack;
  /** Settles when the pack's bytes are all in the upload; rejects when the upload fails. */
  readonly #pumped: Promise<void>;
  /** Rejects with the upload's failure, so that an add waiting on the pack does not wait for ever. */
  readonly #failed: Promise<never>;
  #fail!: (err: unknown) => void;
  #ended = false;

  private constructor(name: string, upload: Upload) {
    this.name = name;
    this.#upload = upload;
    this.#pack = tar.pack();
    this.#failed = new Promise<never>((_, reject) => (this.#fail = reject));
    this.#failed.catch(() => {});
    this.#pumped = this.#pump();
    this.#pumped.catch(() => {});
  }

  static async open(base: Store, name: string, firstIndex: number): Promise<TarShard> {
    const upload = await base.open({ index: firstIndex, name, url: '', contentType: 'application/x-tar' });
    return new TarShard(name, upload);
  }

  async #pump(): Promise<void> {
    try {
      for await (const chunk of this.#pack as AsyncIterable<Buffer>) {
        if (!this.#upload.write(chunk)) await this.#upload.drained();
      }
    } catch (err) {
      this.#fail(err);
      this.#pack.destroy(err as Error);
      throw err;
    }
  }

  /** Adds a member whose bytes are at hand. */
  addBuffer(name: string, data: Buffer): Promise<void> {
    return this.#race(
      new Promise<void>((resolve, reject) =>
        this.#pack.entry({ ...FIXED, name, size: data.length }, data, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    );
  }

  /** Adds a member of `size` bytes streamed from `chunks`, with backpressure. */
  async addStream(name: string, size: number, chunks: AsyncIterable<Buffer>): Promise<void> {
    let entry!: MemberSink;
    // The callback comes when the member is whole in the pack, or with the error that ended it.
    const finished = new Promise<void>((resolve, reject) => {
      entry = this.#pack.entry({ ...FIXED, name, size }, (err) => (err ? reject(err) : resolve()));
    });
    finished.catch(() => {});
    // A member ended by a dropped shard fails through `finished`; its stream's own event has no reader.
    entry.on('error', () => {});
    let written = 0;
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > size) {
        const err = new StoreError(`member ${name} of ${this.name} has more than its ${size} bytes`);
        entry.destroy(err);
        throw err;
      }
      if (!entry.write(chunk)) {
        await this.#race(
          Promise.race([new Promise<void>((resolve) => entry.once('drain', resolve)), finished]),
        );
      }
    }
    entry.end();
    await this.#race(finished);
  }

  #race(p: Promise<void>): Promise<void> {
    return Promise.race([p, this.#failed]);
  }

  /** Ends the tar and commits the upload: the shard appears whole under its name. */
  async commit(): Promise<string> {
    if (this.#ended) throw new StoreError(`${this.name} is already ended`);
    this.#ended = true;
    try {
      this.#pack.finalize();
      await this.#pumped;
    } catch (err) {
      await this.#upload.abort().catch(() => {});
      throw err;
    }
    return this.#upload.commit(undefined);
  }

  /** Drops the shard: nothing appears under its name. */
  async abort(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#pack.destroy(new StoreError(`${this.name} was dropped`));
    this.#fail(new StoreError(`${this.name} was dropped`));
    await this.#upload.abort();
  }
}
