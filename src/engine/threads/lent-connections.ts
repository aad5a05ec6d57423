import type { SpareConnections } from '../../download/job-context.js';

/** What a worker thread tells the run about the connections it borrows. */
export type LendAsk = { op: 'want'; origin: string } | { op: 'return'; origin: string; n: number };

/**
 * The run's idle connections as a worker thread sees them. The run keeps the one count; a
 * thread asks for connections of an origin when a download of its own would take them
 * (`spare` finding none here), the run lends what it can spare, and the thread's downloads
 * take them at once — whatever none took goes straight back, so nothing idles here.
 */
export class LentConnections implements SpareConnections {
  readonly #tell: (ask: LendAsk) => void;
  readonly #have = new Map<string, number>();
  readonly #asked = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #wanted = false;

  constructor(tell: (ask: LendAsk) => void) {
    this.#tell = tell;
  }

  spare(origin: string): number {
    const n = this.#have.get(origin) ?? 0;
    if (n === 0) this.#ask(origin);
    return n;
  }

  borrow(origin: string, n: number): number {
    const have = this.#have.get(origin) ?? 0;
    if (have < n) this.#ask(origin);
    const lent = Math.max(0, Math.min(n, have));
    if (have - lent > 0) this.#have.set(origin, have - lent);
    else this.#have.delete(origin);
    return lent;
  }

  giveBack(origin: string, n: number): void {
    if (n > 0) this.#tell({ op: 'return', origin, n });
  }

  wanted(): boolean {
    return this.#wanted;
  }

  onSpare(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Asks the run for connections of `origin`, once until it answers (not while it wants them back). */
  #ask(origin: string): void {
    if (this.#wanted || this.#asked.has(origin)) return;
    this.#asked.add(origin);
    this.#tell({ op: 'want', origin });
  }

  /** The run lent `n` connections of `origin`: the downloads here take what they want of them. */
  lent(origin: string, n: number): void {
    this.#asked.delete(origin);
    this.#have.set(origin, (this.#have.get(origin) ?? 0) + n);
    for (const listener of [...this.#listeners]) listener();
    const left = this.#have.get(origin) ?? 0;
    this.#have.delete(origin);
    this.giveBack(origin, left);
  }

  /** Whether a download of the run waits for a connection (borrowed ones should come back). */
  setWanted(wanted: boolean): void {
    const was = this.#wanted;
    this.#wanted = wanted;
    this.#asked.clear();
    // No longer wanted: the downloads here may ask again.
    if (was && !wanted) for (const listener of [...this.#listeners]) listener();
  }
}
