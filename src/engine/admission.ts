import { Backlog } from './backlog.js';
import type { HostGate } from './host-gate.js';

/** What admission knows of an item: the origin its next attempt goes to. */
export interface Admissible {
  host: string;
  /** When its current attempt was let in (set here). */
  sentAt: number;
}

export interface AdmissionOptions<E> {
  concurrency: number;
  /** Connections held apart from running items (lent to split downloads); counted against `concurrency`. */
  lent?: () => number;
  gate: HostGate;
  /** Whether an item may start now for reasons of its own (default: yes). */
  fits?(item: E): boolean;
  /** Runs one admitted item; it counts as running until this settles (it must not reject). */
  run(item: E): Promise<void>;
  /** Something changed: an item ended, one became ready again, or a paused origin opened. */
  changed(): void;
}

/**
 * Which waiting items start, and when: at most `concurrency` at once, and what the HostGate lets
 * each origin have. When every waiting item's origin is paused, it looks again when the first
 * one opens.
 */
export class Admission<E extends Admissible> {
  readonly backlog: Backlog<E>;
  readonly #o: AdmissionOptions<E>;
  readonly #running = new Set<E>();
  #timer: NodeJS.Timeout | undefined;

  constructor(o: AdmissionOptions<E>) {
    this.#o = o;
    this.backlog = new Backlog<E>(() => o.changed());
  }

  /** Items running now (admitted, or being cancelled). */
  get running(): number {
    return this.#running.size;
  }

  /** Starts every waiting item that may start now. */
  admit(now: number): void {
    const { gate, concurrency } = this.#o;
    while (this.#running.size + (this.#o.lent?.() ?? 0) < concurrency && this.backlog.ready) {
      const { fits } = this.#o;
      const item = this.backlog.take((e) => gate.canStart(e.host, now) && (!fits || fits(e)));
      if (!item) {
        this.#lookAgainAt(gate.nextOpening(now), now);
        return;
      }
      const { host } = item;
      gate.enter(host);
      item.sentAt = now;
      this.hold(
        item,
        this.#o.run(item).finally(() => gate.leave(host)),
      );
    }
  }

  /** Counts `item` as running until `work` settles. */
  hold(item: E, work: Promise<unknown>): void {
    this.#running.add(item);
    void work.finally(() => {
      this.#running.delete(item);
      this.#o.changed();
    });
  }

  /** Nothing more starts: takes out every waiting item. */
  stop(): E[] {
    clearTimeout(this.#timer);
    return this.backlog.clear();
  }

  #lookAgainAt(at: number | undefined, now: number): void {
    if (at === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#o.changed(), at - now + 1);
  }
}
