import type { SpareConnections } from '../download/job-context.js';
import type { HostGate } from './host-gate.js';

export interface LenderOptions {
  /** Connections the run may use at once (`concurrency`). */
  concurrency: number;
  gate: HostGate;
  /** Downloads running now, each on its own connection. */
  running(): number;
  /** Whether a download waits to start that an origin `may` let start. */
  waiting(may: (origin: string) => boolean): boolean;
  /** A borrowed connection came back. */
  changed(): void;
}

/**
 * The run's idle connections, lent to split downloads: the run's limit counts downloads
 * running plus connections lent, and each lent connection enters its origin's gate like a
 * download, so neither `concurrency` nor `perHost` is ever exceeded. Borrowers are told when
 * connections may be spare (`offer`, after admission has started what it could), and take them
 * one at a time in turn.
 */
export class ConnectionLender implements SpareConnections {
  readonly #o: LenderOptions;
  readonly #listeners = new Set<() => void>();
  #lent = 0;
  readonly #lentTo = new Map<string, number>();
  #offering = false;

  constructor(o: LenderOptions) {
    this.#o = o;
  }

  /** Connections lent now. */
  get lent(): number {
    return this.#lent;
  }

  #idle(): number {
    return this.#o.concurrency - this.#o.running() - this.#lent;
  }

  spare(origin: string): number {
    return Math.max(0, Math.min(this.#idle(), this.#o.gate.room(origin, Date.now())));
  }

  borrow(origin: string, n: number): number {
    const lent = Math.max(0, Math.min(n, this.spare(origin)));
    if (lent === 0) return 0;
    for (let i = 0; i < lent; i++) this.#o.gate.enter(origin);
    this.#lent += lent;
    this.#lentTo.set(origin, (this.#lentTo.get(origin) ?? 0) + lent);
    return lent;
  }

  giveBack(origin: string, n: number): void {
    for (let i = 0; i < n; i++) this.#o.gate.leave(origin);
    this.#lent -= n;
    const left = (this.#lentTo.get(origin) ?? 0) - n;
    if (left > 0) this.#lentTo.set(origin, left);
    else this.#lentTo.delete(origin);
    this.#o.changed();
  }

  /**
   * Whether a waiting download could start if the lent connections came back: its origin has
   * room, or connections of its own origin are lent.
   */
  wanted(): boolean {
    if (this.#lent === 0) return false;
    const now = Date.now();
    return this.#o.waiting((origin) => this.#o.gate.room(origin, now) > 0 || this.#lentTo.has(origin));
  }

  /** Whether a waiting download could start now, so nothing is lent. */
  #startable(): boolean {
    const now = Date.now();
    return this.#o.waiting((origin) => this.#o.gate.room(origin, now) > 0);
  }

  onSpare(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Tells the borrowers that connections are idle, on the next microtask (never inside the call
   * that freed them): each in turn may take one, round after round while some are left.
   */
  offer(): void {
    if (this.#offering || this.#listeners.size === 0 || this.#idle() <= 0) return;
    this.#offering = true;
    queueMicrotask(() => {
      this.#offering = false;
      if (this.#startable()) return;
      for (let round = 0; round < this.#o.concurrency; round++) {
        const before = this.#lent;
        for (const listener of [...this.#listeners]) {
          if (this.#idle() <= 0) return;
          listener();
        }
        if (this.#lent === before) return;
      }
    });
  }
}
