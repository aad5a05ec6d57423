import { StoreError } from '../../errors/index.js';
import type { Upload, UploadTarget } from '../store.js';
import type { SpooledBody, SpoolWriter } from './spool.js';

/** An item's committed bytes, waiting for its turn in a shard. */
export interface HeldItem {
  target: UploadTarget;
  body: SpooledBody;
  sha256: string | undefined;
}

/**
 * An upload into a shard store: its bytes go to the spool; `commit` hands them to the store,
 * which writes them into their shard when the item's turn comes (`place`).
 */
export class ShardUpload implements Upload {
  readonly #target: UploadTarget;
  readonly #writer: SpoolWriter;
  readonly #hand: (item: HeldItem) => Promise<string>;
  #ended = false;

  constructor(target: UploadTarget, writer: SpoolWriter, hand: (item: HeldItem) => Promise<string>) {
    this.#target = target;
    this.#writer = writer;
    this.#hand = hand;
  }

  write(chunk: Uint8Array): boolean {
    return this.#writer.write(chunk);
  }

  drained(): Promise<void> {
    return this.#writer.drained();
  }

  async commit(sha256: string | undefined): Promise<string> {
    if (this.#ended) throw new StoreError(`cannot commit item ${this.#target.index}: its upload has ended`);
    this.#ended = true;
    const body = await this.#writer.finish();
    try {
      return await this.#hand({ target: this.#target, body, sha256 });
    } catch (err) {
      await body.release();
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#writer.discard();
  }
}
