/**
 * Bytes a body may receive over time, shared by every body it paces: the whole run's limit, or
 * one file's. A body tells each of its budgets every chunk it received; while one of them says
 * wait, the body pauses its connection (see ResponseBody), so the server is held back by TCP
 * (or HTTP/2 flow control) and nothing piles up in memory.
 */
export interface ByteBudget {
  /** `n` bytes arrived: undefined when more may come now, else a promise of when they may. */
  take(n: number): Promise<void> | undefined;
}

/** The clock and timer a TokenBucket reads; the real ones by default. */
export interface BucketTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_TIME: BucketTime = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The burst a bucket holds, in seconds of its rate: 1% of a 5 s window. */
const BURST_SECONDS = 0.05;

/**
 * A token bucket of `rate` bytes per second that lets bodies run into debt: a chunk is taken
 * whole whatever is left (it has arrived), and whoever took it waits until the debt is paid at
 * `rate`. Bodies that take while others wait wait longer, in the order they took, so over any
 * window the bytes taken are at most `rate` times its length, plus the burst (`rate / 20`, full at
 * the start) plus one chunk per body paced. Pure arithmetic over an injected clock.
 */
export class TokenBucket implements ByteBudget {
  readonly rate: number;
  readonly #burst: number;
  readonly #time: BucketTime;
  #tokens: number;
  #at: number;

  constructor(rate: number, time: BucketTime = REAL_TIME) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`a rate must be positive, got ${rate}`);
    this.rate = rate;
    this.#burst = rate * BURST_SECONDS;
    this.#time = time;
    this.#tokens = this.#burst;
    this.#at = time.now();
  }

  /** Takes `n` bytes at `now`; returns the milliseconds until the bucket is out of debt (0: not in debt). */
  charge(n: number, now: number): number {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.rate) / 1000) - n;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.rate;
  }

  take(n: number): Promise<void> | undefined {
    const wait = this.charge(n, this.#time.now());
    return wait > 0 ? this.#time.sleep(Math.ceil(wait)) : undefined;
  }
}

/** A file's own budget: a bucket of `rate` bytes per second, none for 0. */
export function fileBudget(rate: number): ByteBudget | undefined {
  return rate > 0 ? new TokenBucket(rate) : undefined;
}

/** Waits for every budget that says so; undefined when none does. */
export function takeAll(budgets: readonly ByteBudget[], n: number): Promise<void> | undefined {
  let waits: Promise<void>[] | undefined;
  for (const budget of budgets) {
    const wait = budget.take(n);
    if (wait) (waits ??= []).push(wait);
  }
  if (!waits) return undefined;
  return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => {});
}
