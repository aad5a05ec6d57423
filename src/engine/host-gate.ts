/**
 * Admission per origin: at most `limit` items of one origin download at once, and an origin
 * that answered 429/503 with Retry-After gets no new request until that time has passed.
 */
export class HostGate {
  readonly #limit: number;
  readonly #active = new Map<string, number>();
  readonly #pausedUntil = new Map<string, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  canStart(host: string, now: number): boolean {
    const until = this.#pausedUntil.get(host);
    if (until !== undefined) {
      if (until > now) return false;
      this.#pausedUntil.delete(host);
    }
    return (this.#active.get(host) ?? 0) < this.#limit;
  }

  /** The earliest time a paused origin opens again, if any is paused. */
  nextOpening(now: number): number | undefined {
    let next: number | undefined;
    for (const until of this.#pausedUntil.values()) {
      if (until > now && (next === undefined || until < next)) next = until;
    }
    return next;
  }

  enter(host: string): void {
    this.#active.set(host, (this.#active.get(host) ?? 0) + 1);
  }

  leave(host: string): void {
    const n = (this.#active.get(host) ?? 1) - 1;
    if (n === 0) this.#active.delete(host);
    else this.#active.set(host, n);
  }

  pause(host: string, until: number): void {
    if ((this.#pausedUntil.get(host) ?? 0) < until) this.#pausedUntil.set(host, until);
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
