import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './fs.js';

/** A Redis server of the test's own. */
export interface TestRedis {
  /** `unix:///…/redis.sock`, as parafetch takes it, or the REDIS_URL given. */
  url: string;
  /** Stops it (a no-op for a REDIS_URL server, which the test does not own). */
  close(): Promise<void>;
  /** Stops it at once, as a crash would, keeping its socket path for `restart` (own servers only). */
  kill(): Promise<void>;
  /** Starts it again on the same socket after `kill`: empty, or as it was when started with `persist`. */
  restart(): Promise<void>;
}

const HOW_TO_GET =
  "these tests need a Redis server: install Debian's redis-server (apt-get install redis-server), " +
  'or set REDIS_URL to a server the tests may use';

/** Whether `redis-server` can be started here. */
function haveRedisServer(): boolean {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return !r.error && /Redis server/.test(r.stdout);
}

/** Resolves once something accepts connections on `socket`, within `ms`. */
async function waitForSocket(socket: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(socket, () => {
        c.end();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${socket} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts an isolated `redis-server` on a Unix socket in a fresh temporary folder (no TCP port;
 * no persistence unless `persist`); falls back to REDIS_URL. Throws, saying how to get one, when neither is there.
 */
export async function startRedis(o: { persist?: boolean } = {}): Promise<TestRedis> {
  if (!haveRedisServer()) {
    const given = process.env.REDIS_URL;
    if (given) return { url: given, close: async () => {}, kill: unsupported, restart: unsupported };
    throw new Error(HOW_TO_GET);
  }
  const dir = await tempDir('parafetch-redis-');
  const socket = path.join(dir, 'redis.sock');
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        ...['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--dir', dir],
        // Persistent when asked: every write in the append-only file before it is acknowledged.
        ...(o.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForSocket(socket, 10_000), exited]);
  };
  const stop = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    await gone;
  };
  await start();
  return {
    url: `unix://${socket}`,
    close: async () => {
      await stop('SIGTERM');
      await fs.rm(dir, { recursive: true, force: true });
    },
    kill: () => stop('SIGKILL'),
    restart: start,
  };
}

async function unsupported(): Promise<void> {
  throw new Error('a REDIS_URL server is not the test’s own: it cannot be stopped or restarted');
}
