import type { Dispatcher } from 'undici';
import type { ParafetchError } from '../errors/index.js';
import { takeAll, type ByteBudget } from './byte-budget.js';

/**
 * Takes one chunk of a body. The chunk is the consumer's to keep (undici does not reuse it), but
 * a consumer that keeps it holds a whole socket read alive: copy what is kept for long. Return
 * false to pause the connection until `resume()`; throw to fail the body with that error.
 */
export type ChunkConsumer = (chunk: Buffer) => boolean | void;

/** Bodies larger than this (or of unknown length) close the connection when dumped, instead of being drained. */
const DRAIN_LIMIT = 64 * 1024;
/** Bytes held for a consumer not attached yet before the connection is paused. */
const HOLD_LIMIT = 64 * 1024;

type State = 'open' | 'ended' | 'failed' | 'destroyed';

/**
 * A response body delivered by callback, straight from undici's parser: no stream, no async
 * iterator, one call per chunk. Until a consumer attaches (`pipeTo`) up to 64 KiB are held (a
 * small body completes and its connection serves the next request meanwhile), then the
 * connection waits. A consumer returning false pauses the connection (undici's parser and so
 * the socket: TCP pushes back on the server) until `resume()`.
 *
 * A body must be consumed (`pipeTo`), dumped or destroyed, or its connection stays taken.
 */
export class ResponseBody {
  /** Content-Length, when the server gave one. */
  readonly length: number | undefined;
  readonly #controller: Dispatcher.DispatchController;
  readonly #asError: (err: unknown) => ParafetchError;
  readonly #onSettled: () => void;
  readonly #budgets: readonly ByteBudget[];
  #state: State = 'open';
  #held: Buffer[] = [];
  #heldBytes = 0;
  #consumer: ChunkConsumer | undefined;
  /** Paused by the consumer (returned false), until `resume()`. */
  #paused = false;
  /** Paused until a budget lets more bytes come. */
  #pacing = false;
  #error: ParafetchError | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((err: ParafetchError) => void) | undefined;

  /**
   * `controller`: the request's undici controller; `asError` maps what failed to a
   * ParafetchError; `onSettled` runs once when the body ends, fails or is destroyed; `budgets`
   * pace the chunks given to the consumer.
   */
  constructor(
    controller: Dispatcher.DispatchController,
    length: number | undefined,
    asError: (err: unknown) => ParafetchError,
    onSettled: () => void = () => {},
    budgets: readonly ByteBudget[] = [],
  ) {
    this.#controller = controller;
    this.length = length;
    this.#asError = asError;
    this.#onSettled = onSettled;
    this.#budgets = budgets;
  }

  /** Whether the whole body has arrived (it may still be held for a consumer). */
  get complete(): boolean {
    return this.#state === 'ended';
  }

  // The request's side (the undici handler).

  /** A chunk from the parser. */
  push(chunk: Buffer): void {
    // undici's parser hands on empty chunks (resumed with nothing new, a body ended by the
    // close): passing them on would let a consumer pause a parser that has nothing to give.
    if (chunk.length === 0 || this.#state === 'failed' || this.#state === 'destroyed') return;
    if (this.#consumer === undefined || this.#waits || this.#held.length > 0) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#consumer !== undefined || this.#heldBytes >= HOLD_LIMIT) this.#controller.pause();
      return;
    }
    this.#give(chunk);
  }

  /** The body ended cleanly. */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#onSettled();
    if (this.#consumer !== undefined && !this.#waits && this.#held.length === 0) this.#settle();
  }

  /** The body failed (a reset, a timeout, an abort). */
  fail(err: unknown): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = this.#asError(err);
    this.#dropHeld();
    this.#onSettled();
    this.#settle();
  }

  // The consumer's side.

  /**
   * Delivers every chunk, in order, to `consumer`. Resolves when the body has ended and every
   * chunk was delivered, or when the body was destroyed without a reason; rejects with the
   * failure (a ParafetchError), whatever the consumer threw included.
   */
  pipeTo(consumer: ChunkConsumer): Promise<void> {
    if (this.#consumer !== undefined) throw new Error('a body has one consumer');
    this.#consumer = consumer;
    const done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#flushHeld();
    return done;
  }

  /** Continues after the consumer returned false. Never call it from inside the consumer. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#flushHeld();
  }

  /**
   * Lets the body go: the request is aborted (its connection closed, unless the body was all
   * there). With a reason, `pipeTo` rejects with it; without, it resolves.
   */
  destroy(reason?: unknown): void {
    if (this.#state === 'failed' || this.#state === 'destroyed') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'destroyed';
    this.#dropHeld();
    if (reason !== undefined) this.#error = this.#asError(reason);
    if (wasOpen) {
      this.#onSettled();
      // Calls back `fail`, which is ignored now.
      this.#controller.abort(reason instanceof Error ? reason : new Error('body let go'));
    }
    this.#settle();
  }

  /**
   * Lets a body nobody wants go without waiting for it: a small one (≤ 64 KiB) is drained so
   * the connection can carry the next request, a larger one or one of unknown length closes it.
   */
  dump(): void {
    if (this.#consumer !== undefined) return this.destroy();
    if (this.#state === 'ended' || (this.length !== undefined && this.length <= DRAIN_LIMIT)) {
      this.pipeTo(() => {}).catch(() => {});
    } else {
      this.destroy();
    }
  }

  /** Whether the consumer or a budget holds the body back. */
  get #waits(): boolean {
    return this.#paused || this.#pacing;
  }

  #give(chunk: Buffer): void {
    let more: boolean | void;
    try {
      more = this.#consumer!(chunk);
    } catch (err) {
      this.destroy(err ?? new Error('consumer failed'));
      return;
    }
    if (this.#state === 'destroyed') return;
    if (more === false) this.#paused = true;
    const wait = this.#budgets.length > 0 ? takeAll(this.#budgets, chunk.length) : undefined;
    if (wait) {
      this.#pacing = true;
      void wait.then(this.#paced);
    }
    if (this.#waits && this.#state === 'open') this.#controller.pause();
  }

  /** The budgets let more bytes come. */
  readonly #paced = (): void => {
    this.#pacing = false;
    if (this.#state === 'failed' || this.#state === 'destroyed' || this.#paused) return;
    this.#flushHeld();
  };

  /** Delivers held chunks while the consumer takes them; then settles or lets the connection go on. */
  #flushHeld(): void {
    while (this.#held.length > 0 && !this.#waits) {
      const chunk = this.#held.shift()!;
      this.#heldBytes -= chunk.length;
      if (this.#state === 'failed' || this.#state === 'destroyed') return;
      this.#give(chunk);
    }
    if (this.#waits || this.#held.length > 0) return;
    if (this.#state === 'open') this.#controller.resume();
    else this.#settle();
  }

  #dropHeld(): void {
    this.#held = [];
    this.#heldBytes = 0;
  }

  /** Settles `pipeTo`'s promise once, if a consumer waits for it. */
  #settle(): void {
    const resolve = this.#resolve;
    const reject = this.#reject;
    if (!resolve || !reject) return;
    this.#resolve = this.#reject = undefined;
    if (this.#error) reject(this.#error);
    else resolve();
  }
}
