import { once } from 'node:events';
import fs from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * A file written line by line as results arrive (`--report`, `--save-failed`), gzipped when its
 * name ends in `.gz`. Opened before the run so that a bad path is a usage error, and written with
 * backpressure: `write` waits while the disk is behind, which holds the results loop and,
 * through it, the engine.
 */
export class LineFile {
  readonly #stream: Writable;
  /** Settles when the file is closed; rejects with the first error, naming the file. */
  readonly #done: Promise<void>;

  private constructor(file: string, stream: Writable, done: Promise<void>) {
    this.#stream = stream;
    this.#done = done.catch((err: unknown) => {
      throw cannotWrite(file, err);
    });
    this.#done.catch(() => {}); // surfaced by write() and close()
  }

  /** Creates or truncates `file`; rejects when it cannot be opened for writing. */
  static async open(file: string): Promise<LineFile> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'w');
    } catch (err) {
      throw cannotWrite(file, err);
    }
    const out = handle.createWriteStream();
    if (!file.toLowerCase().endsWith('.gz')) return new LineFile(file, out, finished(out));
    const gzip = createGzip();
    return new LineFile(file, gzip, pipeline(gzip, out));
  }

  async write(text: string): Promise<void> {
    if (text === '') return;
    if (!this.#stream.write(text)) await Promise.race([once(this.#stream, 'drain'), this.#done]);
  }

  /** Flushes and closes; rejects with the first write error. */
  async close(): Promise<void> {
    this.#stream.end();
    await this.#done;
  }
}

function cannotWrite(file: string, err: unknown): Error {
  return new Error(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
}
