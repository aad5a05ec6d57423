import type { FileSink } from '../storage/file-sink.js';
import { saveState, statePathFor, type ResumeState } from '../storage/resume-state.js';

/** What a checkpointer asks of the download it records. */
export interface CheckpointSubject {
  resumeState(): ResumeState | undefined;
  stateOnDisk: boolean;
  /** The real folder the state file must be in (see storage/placement.ts), when known. */
  readonly realDir: string | undefined;
}

/**
 * Records a long download's progress every `ms` (only downloads that last that long pay for
 * it) and, for segmented ones, after every `everyBytes` received: the ranges written so far
 * are flushed to the device first, then the state file is replaced atomically, so it never
 * claims bytes the `.part` file does not hold. A single stream (`everyBytes` Infinity) needs
 * no flush: its `.part` file's length is its progress, so its state is written once.
 */
export class Checkpointer {
  readonly #job: CheckpointSubject;
  readonly #sink: FileSink;
  readonly #timer: NodeJS.Timeout;
  /** Undefined for a single stream. */
  readonly #everyBytes: number | undefined;
  #sinceLast = 0;
  #running: Promise<void> | undefined;

  /** `everyBytes` only for segmented downloads; without it, the download is a single stream. */
  constructor(job: CheckpointSubject, sink: FileSink, ms: number, everyBytes?: number) {
    this.#job = job;
    this.#sink = sink;
    this.#everyBytes = everyBytes;
    this.#timer =
      everyBytes === undefined
        ? setTimeout(() => void this.#save(), ms)
        : setInterval(() => void this.#save(), ms);
    this.#timer.unref();
  }

  /** Counts bytes received; past `everyBytes` since the last checkpoint, records one. */
  advance(n: number): void {
    if (this.#everyBytes === undefined) return;
    this.#sinceLast += n;
    if (this.#sinceLast >= this.#everyBytes && !this.#running) void this.#save();
  }

  #save(): Promise<void> {
    this.#sinceLast = 0;
    this.#running ??= (async () => {
      const state = this.#job.resumeState();
      if (!state) return;
      if (this.#everyBytes !== undefined) {
        await this.#sink.barrier();
        await this.#sink.sync();
      }
      this.#job.stateOnDisk = true;
      await saveState(statePathFor(this.#sink.path), state, this.#job.realDir);
    })()
      .catch(() => {})
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Stops the timer; with `last`, records the final position (an interrupted download). */
  async stop(last: boolean): Promise<void> {
    clearTimeout(this.#timer);
    await this.#running;
    if (last) await this.#save();
  }
}
