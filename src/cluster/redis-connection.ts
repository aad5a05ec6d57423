import type { RedisOptions } from 'ioredis';
import { InvalidOptionError } from '../errors/index.js';

/**
 * ioredis options for a Redis URL: `redis://[user:password@]host[:port][/db]`, `rediss://…`
 * (TLS), or a Unix socket as `unix:///path/to/redis.sock[?db=N]`. Pure. `key` names the option
 * in the error for a URL that is none of these.
 */
export function redisOptions(url: string, key = 'redis'): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidOptionError(key, 'a redis://, rediss:// or unix:// URL', url);
  }
  // What BullMQ asks of the connections its workers block on: no give-up on a slow command.
  const base: RedisOptions = { maxRetriesPerRequest: null };
  const db = (value: string | null | undefined): number | undefined => {
    if (value === null || value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidOptionError(key, 'a database number from 0 up', value);
    return n;
  };
  if (u.protocol === 'unix:') {
    if (u.pathname === '' || u.pathname === '/')
      throw new InvalidOptionError(key, 'unix:///path/to/redis.sock', url);
    const n = db(u.searchParams.get('db'));
    return { ...base, path: decodeURIComponent(u.pathname), ...(n === undefined ? {} : { db: n }) };
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new InvalidOptionError(key, 'a redis://, rediss:// or unix:// URL', url);
  }
  const n = db(u.pathname.replace(/^\//, ''));
  return {
    ...base,
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(n === undefined ? {} : { db: n }),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The URL with its password hidden, for messages. Pure. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}
