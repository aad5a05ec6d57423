import { performance } from 'node:perf_hooks';

/**
 * Where the time of an item's requests went, in milliseconds, added to by every request given
 * it (see `RequestInit.times`): `connectMs` from handing the request to undici until a socket
 * carries it (a reused keep-alive socket: about 0), `waitMs` from then until the response head,
 * `bodyMs` from the head until the body ended, failed or was let go. `ttfbMs` is the last
 * response's `connectMs + waitMs` (0 until one arrives).
 */
export interface ExchangeTimes {
  connectMs: number;
  waitMs: number;
  bodyMs: number;
  ttfbMs: number;
}

/** Times that nothing was added to yet. */
export function noTimes(): ExchangeTimes {
  return { connectMs: 0, waitMs: 0, bodyMs: 0, ttfbMs: 0 };
}

/**
 * The clock of one request, from its dispatch: tells `times` its phases as they end. Each phase
 * is added once, even when undici reports an end twice.
 */
export class ExchangeClock {
  readonly #times: ExchangeTimes;
  readonly #sentAt = performance.now();
  #onSocketAt: number | undefined;
  #headAt: number | undefined;
  #over = false;

  constructor(times: ExchangeTimes) {
    this.#times = times;
  }

  /** A socket carries the request now (undici's `onRequestStart`). */
  onSocket(): void {
    if (this.#onSocketAt !== undefined || this.#over) return;
    this.#onSocketAt = performance.now();
    this.#times.connectMs += this.#onSocketAt - this.#sentAt;
  }

  /** The final response head arrived. */
  head(): void {
    if (this.#headAt !== undefined || this.#over) return;
    this.onSocket();
    this.#headAt = performance.now();
    const wait = this.#headAt - this.#onSocketAt!;
    this.#times.waitMs += wait;
    this.#times.ttfbMs = this.#headAt - this.#sentAt;
  }

  /** The exchange is over: its body ended, failed or was let go, or it failed before its head. */
  over(): void {
    if (this.#over) return;
    const now = performance.now();
    if (this.#headAt !== undefined) this.#times.bodyMs += now - this.#headAt;
    else if (this.#onSocketAt !== undefined) this.#times.waitMs += now - this.#onSocketAt;
    else this.#times.connectMs += now - this.#sentAt;
    this.#over = true;
  }
}
