import type { ByteBudget } from '../../transport/byte-budget.js';

/** Bytes a thread asks for at once: 20 ms of the run's rate, at least 16 KiB. */
export function grantSize(rate: number): number {
  return Math.max(16 * 1024, Math.round(rate / 50));
}

/**
 * A worker thread's side of the run's rate limit: the run's one budget is on the thread that
 * runs the download, and a worker thread's bodies spend bytes it granted, asked for in batches
 * (`grantSize`) before the last runs out. A body that overdraws what was granted waits for the
 * next grant, which covers the overdraft. The run grants no faster than its budget lets bytes
 * go, so every thread together stays under the limit, however the work is spread; a thread
 * holds at most about one batch it has not spent.
 */
export class GrantedBytes implements ByteBudget {
  readonly #batch: number;
  readonly #ask: (n: number) => void;
  /** Granted and not spent yet; below 0 when bodies overdrew it. */
  #reserve = 0;
  #asked = false;
  #waiting: (() => void)[] = [];

  /** `ask(n)`: asks the run for `n` bytes, answered by `granted(n)`. */
  constructor(rate: number, ask: (n: number) => void) {
    this.#batch = grantSize(rate);
    this.#ask = ask;
  }

  take(n: number): Promise<void> | undefined {
    this.#reserve -= n;
    this.#askIfLow();
    if (this.#reserve >= 0) return undefined;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** The run granted `n` bytes. */
  granted(n: number): void {
    this.#asked = false;
    this.#reserve += n;
    if (this.#reserve >= 0) {
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const go of waiting) go();
    }
    this.#askIfLow();
  }

  #askIfLow(): void {
    if (this.#asked || this.#reserve >= this.#batch / 2) return;
    this.#asked = true;
    this.#ask(this.#batch - this.#reserve);
  }
}

/** The run's side: gives a thread the `n` bytes it asked for once `budget` lets them go. */
export function grant(budget: ByteBudget | undefined, n: number, give: (n: number) => void): void {
  const wait = budget?.take(n);
  if (wait) void wait.then(() => give(n));
  else give(n);
}
