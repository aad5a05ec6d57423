/** An item's times as a result gives them (see ResultFields), in ms. */
export interface ItemTimes {
  ms: number;
  queuedMs: number;
  startedAt: number;
  endedAt: number;
  retryWaitMs: number;
  retryAfterMs: number;
}

/**
 * Where an item's time went in a run, from when it was read: worked on (from each start of an
 * attempt to its end) or waiting (for its first turn, and before each retry). Times are given
 * by the caller (ms since the epoch).
 */
export class ItemClock {
  /** When it was read from the input. */
  readonly readAt: number;
  /** Time it ran before its current run, and since when it runs (undefined while it waits). */
  #workedMs = 0;
  #runningSince: number | undefined;
  /** When its last attempt ended (undefined before the first). */
  #pausedAt: number | undefined;
  #retryWaitMs = 0;
  #retryAfterMs = 0;

  constructor(readAt: number) {
    this.readAt = readAt;
  }

  /** It starts, or starts again after a wait: from `now` its time is work, not waiting. */
  resume(now: number): void {
    if (this.#runningSince !== undefined) return;
    if (this.#pausedAt !== undefined) this.#retryWaitMs += Math.max(0, now - this.#pausedAt);
    this.#pausedAt = undefined;
    this.#runningSince = now;
  }

  /** It waits again (for a retry), or has ended. */
  pause(now: number): void {
    if (this.#runningSince === undefined) return;
    this.#workedMs += Math.max(0, now - this.#runningSince);
    this.#runningSince = undefined;
    this.#pausedAt = now;
  }

  /** A retry of it waits `ms` because the server asked so (Retry-After). */
  honoured(ms: number): void {
    this.#retryAfterMs += ms;
  }

  /** Its times so far, as of `now`. */
  times(now: number): ItemTimes {
    const ms =
      this.#workedMs + (this.#runningSince === undefined ? 0 : Math.max(0, now - this.#runningSince));
    return {
      ms,
      queuedMs: Math.max(0, now - this.readAt - ms),
      startedAt: this.readAt,
      endedAt: now,
      retryWaitMs: this.#retryWaitMs,
      retryAfterMs: this.#retryAfterMs,
    };
  }
}
