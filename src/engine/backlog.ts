/**
 * Items read and not started: those ready to start, in order, and those waiting for a retry
 * delay to pass (each on its own timer; it goes back to the front when due).
 */
export class Backlog<T> {
  #ready: T[] = [];
  readonly #waiting = new Map<T, NodeJS.Timeout>();
  readonly #onDue: () => void;

  /** `onDue` is called when a waiting item becomes ready. */
  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  /** Items ready to start. */
  get ready(): number {
    return this.#ready.length;
  }

  /** Items ready or waiting. */
  get size(): number {
    return this.#ready.length + this.#waiting.size;
  }

  push(item: T): void {
    this.#ready.push(item);
  }

  /** Ready again in `ms` (0: on the next turn of the event loop, never synchronously). */
  later(item: T, ms: number): void {
    const timer = setTimeout(() => {
      this.#waiting.delete(item);
      this.#ready.unshift(item);
      this.#onDue();
    }, ms);
    this.#waiting.set(item, timer);
  }

  /** Whether some ready item is one that `may` lets start. */
  some(may: (item: T) => boolean): boolean {
    return this.#ready.some(may);
  }

  /** Takes out the first ready item that `may` lets start; undefined when none may. */
  take(may: (item: T) => boolean): T | undefined {
    const i = this.#ready.findIndex(may);
    return i === -1 ? undefined : this.#ready.splice(i, 1)[0];
  }

  /** Takes out every item, ready or waiting (their timers stopped). */
  clear(): T[] {
    const all = [...this.#ready, ...this.#waiting.keys()];
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    this.#ready = [];
    return all;
  }
}
