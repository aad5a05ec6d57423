import { quantile, Reservoir } from './reservoir.js';

/** Time-to-first-byte values kept per host for its percentiles. */
const TTFB_SAMPLE = 1024;
/** Hosts listed one by one; the rest are summed in one row. */
export const MAX_HOSTS = 200;
/** The row that sums the hosts past MAX_HOSTS. */
export const OTHER_HOSTS = '(other hosts)';

/** One row of the page's host table. */
export interface HostRow {
  host: string;
  requests: number;
  items: number;
  bytes: number;
  failed: number;
  /** Failed items per item, 0…1. */
  errorRate: number;
  retries: number;
  ttfbP50: number;
  ttfbP95: number;
  retryAfterMs: number;
}

interface HostTally {
  requests: number;
  items: number;
  bytes: number;
  failed: number;
  retries: number;
  retryAfterMs: number;
  ttfb: Reservoir<number>;
}

/** Per-host counts as items stream by, with TTFB percentiles from a bounded sample. */
export class HostTable {
  readonly #hosts = new Map<string, HostTally>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  add(
    host: string,
    o: { attempts: number; bytes: number; failed: boolean; ttfbMs: number; retryAfterMs: number },
  ): void {
    let t = this.#hosts.get(host);
    if (!t) {
      if (this.#hosts.size >= MAX_HOSTS) return this.add(OTHER_HOSTS, o);
      t = {
        requests: 0,
        items: 0,
        bytes: 0,
        failed: 0,
        retries: 0,
        retryAfterMs: 0,
        ttfb: new Reservoir(TTFB_SAMPLE, this.#random),
      };
      this.#hosts.set(host, t);
    }
    t.items++;
    t.requests += o.attempts;
    t.retries += Math.max(0, o.attempts - 1);
    t.bytes += o.bytes;
    if (o.failed) t.failed++;
    t.retryAfterMs += o.retryAfterMs;
    if (o.ttfbMs > 0) t.ttfb.add(o.ttfbMs);
  }

  /** The rows, most requests first. */
  rows(): HostRow[] {
    return [...this.#hosts]
      .map(([host, t]) => ({
        host,
        requests: t.requests,
        items: t.items,
        bytes: t.bytes,
        failed: t.failed,
        errorRate: t.items === 0 ? 0 : t.failed / t.items,
        retries: t.retries,
        ttfbP50: quantile(t.ttfb.items, 0.5),
        ttfbP95: quantile(t.ttfb.items, 0.95),
        retryAfterMs: t.retryAfterMs,
      }))
      .sort((a, b) => b.requests - a.requests);
  }
}
