/**
 * An async queue: producers push, one consumer iterates until it is closed. The producer
 * bounds it by looking at `size`; `onTake` tells it when the consumer has taken an item.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #onTake: () => void;
  #items: T[] = [];
  #head = 0;
  #closed = false;
  #waiter: ((r: IteratorResult<T>) => void) | undefined;

  constructor(onTake: () => void = () => {}) {
    this.#onTake = onTake;
  }

  push(item: T): void {
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value: item, done: false });
    } else this.#items.push(item);
  }

  close(): void {
    this.#closed = true;
    if (this.#waiter && this.#head >= this.#items.length) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value: undefined, done: true });
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
      this.#onTake();
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
