import type { Dispatcher } from 'undici';

/** What makes an origin's dispatcher: undici's `factory` option of an Agent. */
export type PoolFactory = (origin: string | URL, options: object) => Dispatcher;

/** The events an Agent listens to on each origin's dispatcher. */
const AGENT_EVENTS = ['drain', 'connect', 'disconnect', 'connectionError'] as const;

/** Requests queued or running in a Pool or Client (undici's `stats.size`); 0 when it cannot tell. */
function work(dispatcher: Dispatcher): number {
  const stats = (dispatcher as { stats?: { size?: unknown } }).stats;
  return typeof stats?.size === 'number' ? stats.size : 0;
}

/** Whether a pool can still take requests (undici's `closed` and `destroyed`). */
function open(dispatcher: Dispatcher): boolean {
  const d = dispatcher as { closed?: unknown; destroyed?: unknown };
  return d.closed !== true && d.destroyed !== true;
}

/**
 * One connection pool per origin for as long as it has work, whatever the Agent above it does.
 *
 * undici's Agent forgets an origin's pool, and closes it gracefully, the moment none of its
 * connections is open, even while requests wait in that pool's queue. The next request to the
 * origin then gets a new pool while the old one reconnects to serve its queue: up to twice
 * `connections` (or more) at once to one origin. That happens whenever every connection of an
 * origin closes together, as when a split download lets go of several ranges at once. Here the
 * Agent's factory hands back the same pool while it still has requests, and its close of a busy
 * pool is ignored; an idle pool is closed and forgotten as undici intends, so a run over many
 * origins keeps no pool it no longer needs.
 */
export class OriginPools {
  readonly #create: PoolFactory;
  readonly #connectionsFor: ((origin: string) => number) | undefined;
  readonly #pools = new Map<string, Dispatcher>();
  #closing = false;

  /** `connectionsFor`: the connections of one origin's pool, when not the Agent's `connections`. */
  constructor(create: PoolFactory, connectionsFor?: (origin: string) => number) {
    this.#create = create;
    this.#connectionsFor = connectionsFor;
  }

  /** The factory to give the Agent (or the proxy agents, whose inner Agent takes it too). */
  readonly factory: PoolFactory = (origin, options) => {
    const key = String(origin);
    const kept = this.#pools.get(key);
    if (kept && open(kept)) {
      // The Agent attaches its listeners again; the old ones would count for a forgotten entry.
      for (const event of AGENT_EVENTS) kept.removeAllListeners(event);
      return kept;
    }
    const own = this.#connectionsFor?.(new URL(key).origin);
    const pool = this.#create(
      origin,
      own === undefined ? options : { ...options, connections: Math.max(1, own) },
    );
    const close = pool.close.bind(pool) as (callback?: () => void) => Promise<void> | void;
    pool.close = ((callback?: () => void) => {
      if (!this.#closing && work(pool) > 0) {
        if (callback) queueMicrotask(callback);
        return callback ? undefined : Promise.resolve();
      }
      if (this.#pools.get(key) === pool) this.#pools.delete(key);
      return close(callback);
    }) as Dispatcher['close'];
    this.#pools.set(key, pool);
    return pool;
  };

  /** Closes every pool, gracefully, the ones the Agent had forgotten included. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }

  /** Destroys every pool at once. */
  async destroy(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()));
    this.#pools.clear();
  }
}
