import fs from 'node:fs';
import path from 'node:path';
import { DiskError, StoreError, UnsafePathError } from '../errors/index.js';
import { FileSink } from './file-sink.js';
import { diskError } from './make-folder.js';
import { openDir } from './remove.js';
import { DirectoryGuard, resolveInside } from './safe-path.js';
import type { Store, StoreCapabilities, StatTarget, StoredObject, Upload, UploadTarget } from './store.js';

/**
 * The hidden name an upload is written under until its commit, beside its final name: a leading
 * dot and a suffix no final name of ours (`000000.tar`, `a.jpg`) carries.
 */
export function uploadPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.upload`);
}

export interface FileStoreOptions {
  /**
   * Sync each object's data to the device before its rename, and its folder at `close`, so a
   * committed object survives a power loss (default true).
   */
  durable?: boolean;
}

/**
 * A local folder as a `Store`: each upload is written front to back into a hidden file beside
 * its final name, synced, then renamed over the name in one step; nothing outside the folder is
 * ever created, opened or removed (DirectoryGuard). The download path keeps its own positional
 * files for loose downloads; this sequential form is what shards and tests write through.
 */
export class FileStore implements Store {
  readonly capabilities: StoreCapabilities = { positional: true, ordered: false };
  readonly root: string;
  readonly #guard: DirectoryGuard;
  readonly #durable: boolean;
  /** Uploads open now, by their hidden path: `destroy` drops them, a second open of one name fails. */
  readonly #open = new Map<string, FileUpload>();
  /** Folders something was renamed into: synced at `close`. */
  readonly #touched = new Set<string>();

  constructor(root: string, options: FileStoreOptions = {}) {
    this.root = path.resolve(root);
    this.#guard = new DirectoryGuard(this.root);
    this.#durable = options.durable ?? true;
  }

  locate(name: string): string {
    return resolveInside(this.root, name).abs;
  }

  #fileOf(name: string): string {
    const { abs, isDir } = resolveInside(this.root, name);
    if (isDir) throw new UnsafePathError(name, 'it names a folder, not an object');
    return abs;
  }

  async stat(target: StatTarget): Promise<StoredObject | undefined> {
    const abs = this.#fileOf(target.name);
    try {
      const st = await fs.promises.lstat(abs);
      return st.isFile() ? { location: abs, size: st.size } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw diskError('stat', abs, err);
    }
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const abs = this.#fileOf(name);
    let handle: fs.promises.FileHandle;
    try {
      // Non-blocking: a FIFO planted under the name must not hold the open until a writer comes.
      handle = await fs.promises.open(
        abs,
        fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
      );
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw diskError('open', abs, err);
    }
    try {
      // Only a regular file is an object (as `stat` says); a FIFO or a device is none.
      if (!(await handle.stat()).isFile()) return undefined;
      return await handle.readFile();
    } catch (err) {
      throw diskError('read', abs, err);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  async open(target: UploadTarget, signal?: AbortSignal): Promise<Upload> {
    const abs = this.#fileOf(target.name);
    const hidden = uploadPathFor(abs);
    if (this.#open.has(hidden)) {
      throw new StoreError(`${target.name} is already being written (an upload of it is open)`);
    }
    const dir = path.dirname(abs);
    await this.#guard.ensure(dir);
    signal?.throwIfAborted();
    const sink = await FileSink.open(hidden, { truncate: true, realDir: this.#guard.realDir(dir) });
    const upload = new FileUpload(sink, abs, this.#durable, (committed) => {
      this.#open.delete(hidden);
      if (committed) this.#touched.add(dir);
    });
    this.#open.set(hidden, upload);
    return upload;
  }

  async close(): Promise<void> {
    if (!this.#durable) return;
    // A rename is durable once its folder is synced.
    for (const dir of this.#touched) {
      let fd: number;
      try {
        fd = await openDir(dir);
      } catch (err) {
        throw diskError('open folder', dir, err);
      }
      await new Promise<void>((resolve, reject) =>
        fs.fsync(fd, (err) => {
          fs.close(fd, () => {});
          if (err) reject(new DiskError(`cannot sync folder ${dir}: ${err.message}`, err));
          else resolve();
        }),
      );
    }
    this.#touched.clear();
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.#open.values()].map((u) => u.abort()));
    this.#open.clear();
  }
}

/** One object being written into its hidden file. */
class FileUpload implements Upload {
  readonly #sink: FileSink;
  readonly #finalPath: string;
  readonly #durable: boolean;
  readonly #done: (committed: boolean) => void;
  #pos = 0;
  #ended = false;
  #error: unknown;

  constructor(sink: FileSink, finalPath: string, durable: boolean, done: (committed: boolean) => void) {
    this.#sink = sink;
    this.#finalPath = finalPath;
    this.#durable = durable;
    this.#done = done;
  }

  write(chunk: Uint8Array): boolean {
    if (this.#ended) throw new StoreError(`cannot write ${this.#finalPath}: the upload has ended`);
    if (this.#error) return false;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      const more = this.#sink.write(buf, this.#pos);
      this.#pos += buf.length;
      return more;
    } catch (err) {
      this.#error = err;
      return false;
    }
  }

  drained(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    return this.#sink.drained();
  }

  async commit(): Promise<string> {
    if (this.#ended) throw new StoreError(`cannot commit ${this.#finalPath}: the upload has ended`);
    this.#ended = true;
    if (this.#error) {
      await this.#sink.discard();
      this.#done(false);
      throw this.#error;
    }
    try {
      await this.#sink.commit(this.#finalPath, this.#durable);
    } catch (err) {
      // Closed by the failed commit; the hidden file (if still there) goes.
      await this.#sink.discard();
      this.#done(false);
      throw err;
    }
    this.#done(true);
    return this.#finalPath;
  }

  async abort(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    // FileSink.discard waits for ever when a write is under way (it zeroes the count of queued
    // bytes, which the write then takes its own bytes from): let the queue drain first.
    await this.#sink.flush().catch(() => {});
    await this.#sink.discard();
    this.#done(false);
  }
}
