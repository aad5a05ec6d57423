import type { SpareConnections } from '../../download/job-context.js';
import type { LendAsk } from './lent-connections.js';
import type { WorkerThread } from './worker-thread.js';

/** One worker thread's side of the lending: what it asked for and what it holds. */
interface Borrower {
  thread: WorkerThread;
  /** Origins a download of the thread would take connections of. */
  wants: Set<string>;
  lent: Map<string, number>;
}

/**
 * Lends the run's idle connections to the split downloads of worker threads (the calling
 * thread's borrow from the run's lender directly). A thread asks per origin; after each
 * admission the run lends what its lender can spare, no more than the thread's connection pool
 * for that origin could still open; the thread gives each back when done, and everything it
 * held when it stops. Whether a download waits for a connection is told to every thread, so
 * that borrowed connections come back at the end of their range.
 */
export class Lending {
  readonly #lender: SpareConnections;
  readonly #room: (loop: number, origin: string) => number;
  readonly #changed: () => void;
  readonly #borrowers = new Map<number, Borrower>();
  #wanted = false;

  /** `room`: connections the loop's pool for `origin` could still open (its share, less those in use). */
  constructor(lender: SpareConnections, room: (loop: number, origin: string) => number, changed: () => void) {
    this.#lender = lender;
    this.#room = room;
    this.#changed = changed;
  }

  /** A thread started on loop `id`. */
  add(id: number, thread: WorkerThread): void {
    this.#borrowers.set(id, { thread, wants: new Set(), lent: new Map() });
    if (this.#wanted) thread.setWanted(true);
  }

  /** Connections loop `id` holds for `origin`. */
  held(id: number, origin: string): number {
    return this.#borrowers.get(id)?.lent.get(origin) ?? 0;
  }

  /** What the thread of loop `id` said. */
  heard(id: number, ask: LendAsk): void {
    const b = this.#borrowers.get(id);
    if (!b) return;
    if (ask.op === 'want') {
      b.wants.add(ask.origin);
      this.#changed();
    } else {
      this.#giveBack(b, ask.origin, ask.n);
    }
  }

  /** The thread of loop `id` stopped: what it held comes back. */
  remove(id: number): void {
    const b = this.#borrowers.get(id);
    if (!b) return;
    this.#borrowers.delete(id);
    for (const [origin, n] of [...b.lent]) this.#giveBack(b, origin, n);
  }

  /** After admission: lends what can be spared to the threads that asked. */
  offer(): void {
    // No thread yet: nothing to tell or lend (the lender's `wanted` scans the waiting items).
    if (this.#borrowers.size === 0) return;
    const wanted = this.#lender.wanted();
    if (wanted !== this.#wanted) {
      this.#wanted = wanted;
      for (const b of this.#borrowers.values()) b.thread.setWanted(wanted);
    }
    if (wanted) return;
    for (const [id, b] of this.#borrowers) {
      if (!b.thread.alive) continue;
      for (const origin of b.wants) {
        const room = this.#room(id, origin) - this.held(id, origin);
        const n = room > 0 ? this.#lender.borrow(origin, Math.min(room, this.#lender.spare(origin))) : 0;
        if (n <= 0) continue;
        b.wants.delete(origin);
        b.lent.set(origin, this.held(id, origin) + n);
        b.thread.lend(origin, n);
      }
    }
  }

  #giveBack(b: Borrower, origin: string, n: number): void {
    const back = Math.min(n, b.lent.get(origin) ?? 0);
    if (back <= 0) return;
    const left = (b.lent.get(origin) ?? 0) - back;
    if (left > 0) b.lent.set(origin, left);
    else b.lent.delete(origin);
    this.#lender.giveBack(origin, back);
  }
}
