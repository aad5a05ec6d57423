/** How an origin that refuses (429/503) is slowed down: its pauses grow like a backoff. */
export interface Slowdown {
  /** The pause after the first refusal, in milliseconds. */
  baseMs: number;
  /** The longest pause. */
  maxMs: number;
  /** Each further refusal in a row multiplies the pause by this. */
  factor: number;
}

interface Origin {
  active: number;
  /** Items it may have at once now: the limit, halved by refusals, raised one by one by answers. */
  allowed: number;
  /** No new request before this time (0: none). */
  pausedUntil: number;
  /** Refusals in a row, each after the previous cut; sets the length of the next pause. */
  strikes: number;
  /** When `allowed` was last cut: refusals of requests sent until then are the same signal. */
  cutAt: number;
}

/**
 * Admission per origin, the run-wide politeness state: at most `limit` items of one origin
 * download at once, and an origin that refuses slows down, like TCP's AIMD.
 *
 * - A 429/503 (`refused`) halves the origin's allowed items, down to 1, and pauses it: for as
 *   long as its `Retry-After` says, else for a backoff that grows with each refusal in a row
 *   (`Slowdown`). Refusals of requests that were already on their way at the last cut are the
 *   same signal and count once.
 * - Each answer that is not a refusal (`answered`) ends the run of refusals and lets one more
 *   item in, back up to `limit`.
 *
 * The clock is the caller's: every method that depends on time takes `now`.
 */
export class HostGate {
  readonly #limit: number;
  readonly #slowdown: Slowdown;
  readonly #origins = new Map<string, Origin>();

  constructor(limit: number, slowdown: Slowdown = { baseMs: 500, maxMs: 30_000, factor: 2 }) {
    this.#limit = limit;
    this.#slowdown = slowdown;
  }

  canStart(host: string, now: number): boolean {
    const o = this.#origins.get(host);
    if (!o) return true;
    if (o.pausedUntil > now) return false;
    o.pausedUntil = 0;
    return o.active < o.allowed;
  }

  /** The earliest time a paused origin opens again, if any is paused. */
  nextOpening(now: number): number | undefined {
    let next: number | undefined;
    for (const { pausedUntil } of this.#origins.values()) {
      if (pausedUntil > now && (next === undefined || pausedUntil < next)) next = pausedUntil;
    }
    return next;
  }

  /** How many more items of `host` may start now (0 while it is paused). */
  room(host: string, now: number): number {
    const o = this.#origins.get(host);
    if (!o) return this.#limit;
    return o.pausedUntil > now ? 0 : Math.max(0, o.allowed - o.active);
  }

  /** How many items of `host` may download at once now. */
  allowed(host: string): number {
    return this.#origins.get(host)?.allowed ?? this.#limit;
  }

  enter(host: string): void {
    this.#origin(host).active++;
  }

  leave(host: string): void {
    const o = this.#origins.get(host);
    if (!o) return;
    o.active = Math.max(0, o.active - 1);
    this.#forgetIfIdle(host, o);
  }

  /** No new request to `host` before `until` (a pause is extended, never shortened). */
  pause(host: string, until: number): void {
    const o = this.#origin(host);
    if (o.pausedUntil < until) o.pausedUntil = until;
  }

  /**
   * `host` refused a request sent at `sentAt` (429 or 503), asking to wait `retryAfterMs` when it
   * said so. Returns the pause it now has, in milliseconds from `now`.
   */
  refused(host: string, now: number, sentAt: number, retryAfterMs?: number): number {
    const o = this.#origin(host);
    if (retryAfterMs !== undefined) this.pause(host, now + retryAfterMs);
    if (sentAt > o.cutAt) {
      o.allowed = Math.max(1, Math.floor(o.allowed / 2));
      o.strikes++;
      o.cutAt = now;
      if (retryAfterMs === undefined) {
        const { baseMs, maxMs, factor } = this.#slowdown;
        this.pause(host, now + Math.min(maxMs, baseMs * factor ** (o.strikes - 1)));
      }
    }
    return Math.max(0, o.pausedUntil - now);
  }

  /** `host` answered (anything but a refusal): the run of refusals ends, one more item may go. */
  answered(host: string): void {
    const o = this.#origins.get(host);
    if (!o) return;
    o.strikes = 0;
    o.allowed = Math.min(this.#limit, o.allowed + 1);
    this.#forgetIfIdle(host, o);
  }

  #origin(host: string): Origin {
    let o = this.#origins.get(host);
    if (!o) {
      o = { active: 0, allowed: this.#limit, pausedUntil: 0, strikes: 0, cutAt: -Infinity };
      this.#origins.set(host, o);
    }
    return o;
  }

  /** An origin back to its defaults takes no memory (a run may meet millions of them). */
  #forgetIfIdle(host: string, o: Origin): void {
    // A pause is kept until canStart sees it has passed.
    if (o.active === 0 && o.allowed === this.#limit && o.strikes === 0 && o.pausedUntil === 0) {
      this.#origins.delete(host);
    }
  }
}

/** The key a URL is limited under: its origin, or '' when it does not parse. */
export function hostKey(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}
