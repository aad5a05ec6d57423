import type { FileSink } from '../storage/file-sink.js';
import { saveState, statePathFor, type ResumeState } from '../storage/resume-state.js';

/** What a checkpointer asks of the download it records. */
export interface CheckpointSubject {
  resumeState(): ResumeState | undefined;
  stateOnDisk: boolean;
}

/**
 * Records a long download's progress every `ms` (only downloads that last that long pay for
 * it) and, for segmented ones, after every `everyBytes` received: the ranges written so far
 * are flushed to the device first, then the state file is replaced atomically, so it never
 * claims bytes the `.part` file does not hold.
 */
export class Checkpointer {
  readonly #job: CheckpointSubject;
  readonly #sink: FileSink;
  readonly #timer: NodeJS.Timeout;
  readonly #everyBytes: number;
  #sinceLast = 0;
  #running: Promise<void> | undefined;

  constructor(job: CheckpointSubject, sink: FileSink, ms: number, everyBytes: number) {
    this.#job = job;
    this.#sink = sink;
    this.#everyBytes = everyBytes;
    this.#timer = setInterval(() => void this.#save(), ms);
    this.#timer.unref();
  }

  /** Counts bytes received; past `everyBytes` since the last checkpoint, records one. */
  advance(n: number): void {
    this.#sinceLast += n;
    if (this.#sinceLast >= this.#everyBytes && !this.#running) void this.#save();
  }

  #save(): Promise<void> {
    this.#sinceLast = 0;
    this.#running ??= (async () => {
      const state = this.#job.resumeState();
      if (!state) return;
      await this.#sink.barrier();
      await this.#sink.sync();
      this.#job.stateOnDisk = true;
      await saveState(statePathFor(this.#sink.path), state);
    })()
      .catch(() => {})
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Stops the timer; with `last`, records the final position (an interrupted download). */
  async stop(last: boolean): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    if (last) await this.#save();
  }
}
