import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseRetryAfter } from '../engine/retry-policy.js';
import { AbortedError } from '../errors/index.js';
import type { HostLease } from '../transport/host-lease.js';
import { QUEUE_PREFIX } from './shard-job.js';

/**
 * Takes a lease when fewer than `limit` unexpired ones are held and the origin is not paused.
 * KEYS: the origin's leases (a sorted set, by expiry), its pause. ARGV: now, expiry, id, limit.
 * Returns 0 when taken, else the ms to wait before asking again.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2] - ARGV[1] + 1000)
  return 0
end
return -1
`;

/** How often a waiting request asks again, at most, in ms (a released lease wakes none directly). */
const POLL_MS = 25;

/**
 * The per-host limit of a distributed run, held in Redis across every worker: each request to an
 * origin holds a lease, at most `perHost` at once over the cluster. A lease expires `leaseMs`
 * after it was last renewed, so one held by a worker that died frees itself; a live one is
 * renewed while its request lasts. A `Retry-After` seen by one worker pauses the origin for all.
 */
export class RedisHostLeases implements HostLease {
  readonly #redis: Redis;
  readonly #queue: string;
  readonly #perHost: number;
  readonly #leaseMs: number;

  constructor(redis: Redis, queue: string, perHost: number, leaseMs: number) {
    this.#redis = redis;
    this.#queue = queue;
    this.#perHost = perHost;
    this.#leaseMs = leaseMs;
  }

  #keys(origin: string): [string, string] {
    const base = `${QUEUE_PREFIX}:${this.#queue}:host:${origin}`;
    return [`${base}:leases`, `${base}:pause`];
  }

  async acquire(origin: string, signal?: AbortSignal): Promise<() => void> {
    const [leases, pause] = this.#keys(origin);
    const id = randomUUID();
    for (;;) {
      if (signal?.aborted) throw new AbortedError(origin, signal.reason);
      const now = Date.now();
      const wait = Number(
        await this.#redis.eval(ACQUIRE, 2, leases, pause, now, now + this.#leaseMs, id, this.#perHost),
      );
      if (wait === 0) return this.#held(leases, id);
      await sleep(wait > 0 ? Math.min(wait, 1000) : POLL_MS, signal);
    }
  }

  /** The release of a lease taken, renewed until then. */
  #held(leases: string, id: string): () => void {
    const renew = setInterval(
      () => void this.#redis.zadd(leases, 'XX', Date.now() + this.#leaseMs, id).catch(() => {}),
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    renew.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      void this.#redis.zrem(leases, id).catch(() => {});
    };
  }

  refused(origin: string, retryAfter: string): void {
    const ms = parseRetryAfter(retryAfter, Date.now());
    if (ms === undefined || ms <= 0) return;
    const [, pause] = this.#keys(origin);
    // A longer pause already set stays.
    void this.#redis.set(pause, '1', 'PX', Math.ceil(ms), 'NX').catch(() => {});
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
