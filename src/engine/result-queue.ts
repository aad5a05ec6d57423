/** What the queue calls back into its producer. */
export interface QueueHooks {
  /** The consumer took an item (a producer that holds work back may go on). */
  onTake?: () => void;
  /**
   * The consumer left (`break`, `return` or a throw out of `for await`); the queue's `return()`
   * resolves once this does, so leaving the loop waits for the producer to stop.
   */
  onReturn?: () => Promise<void>;
}

/**
 * An async queue: producers push, one consumer iterates until it is closed. The producer
 * bounds it by looking at `size`. It ends with `close()`, or with `close(error)`, which makes the
 * consumer's next read throw that error once the items already pushed are taken. Whatever
 * happens, a consumer waiting on it is always answered: never a pending read after the end.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #hooks: QueueHooks;
  #items: T[] = [];
  #head = 0;
  #closed = false;
  #error: { reason: unknown } | undefined;
  /** The consumer has left: items pushed from now on are dropped. */
  #returned = false;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | undefined;

  constructor(hooks: QueueHooks = {}) {
    this.#hooks = hooks;
  }

  push(item: T): void {
    if (this.#closed || this.#returned) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
    } else this.#items.push(item);
  }

  /** Ends the queue; with `error`, the consumer's read after the last item throws it. */
  close(error?: { reason: unknown }): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    if (this.#waiter && this.#head >= this.#items.length) {
      const w = this.#waiter;
      this.#waiter = undefined;
      // The error is thrown once; reads after it see the end.
      this.#error = undefined;
      if (error) w.reject(error.reason);
      else w.resolve({ value: undefined, done: true });
    }
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      this.#hooks.onTake?.();
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed) {
      const error = this.#error;
      // The error is thrown once; reads after it see the end.
      this.#error = undefined;
      return error ? Promise.reject(error.reason) : Promise.resolve({ value: undefined, done: true });
    }
    if (this.#returned) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** The consumer leaves: drops what is queued, tells the producer, and waits for it to stop. */
  async return(): Promise<IteratorResult<T>> {
    if (!this.#returned) {
      this.#returned = true;
      this.#items = [];
      this.#head = 0;
      await this.#hooks.onReturn?.();
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
