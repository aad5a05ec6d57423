/**
 * The rate of a growing counter over a sliding window, from samples taken on a timer (never per
 * chunk). Holds at most one sample per call inside the window, so memory is bounded by the
 * sampling rate.
 */
export class RateMeter {
  readonly #windowMs: number;
  readonly #samples: { at: number; value: number }[] = [];

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  /** Records the counter's `value` at time `at` (ms) and returns its rate per second over the window. */
  sample(at: number, value: number): number {
    this.#samples.push({ at, value });
    while (this.#samples.length > 2 && this.#samples[1]!.at <= at - this.#windowMs) this.#samples.shift();
    const first = this.#samples[0]!;
    const span = at - first.at;
    return span > 0 ? ((value - first.value) * 1000) / span : 0;
  }
}
