import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';
import { duckdb, parquetRows, requireGnuTar, tarNames } from '../helpers/shards.js';
import { exited, runCli, spawnCli } from './cli.js';

/** WebDataset shards written by many workers: one shard per job, the same bytes as one machine's run. */

const N = 250;
const SHARD = 40;
const SHARDS = Math.ceil(N / SHARD);
/** One item of each shard is larger than an item may hold in memory: it waits in a spool file. */
const body = (i: number) => bytes(i % SHARD === 3 ? 1_200_000 + i : 1_000 + i * 7, 300 + i);
/** Every 17th item is missing: failures have rows too. */
const missing = (i: number) => i % 17 === 5;

let redis: TestRedis;
let server: TestServer;
let duck: DuckDBConnection;
const served = new Map<number, number>();
let delayMs = 0;

before(async () => {
  requireGnuTar();
  redis = await startRedis();
  duck = await duckdb();
  server = await startServer((req, res) => {
    const i = Number(/^\/s\/(\d+)\.bin$/.exec(req.url ?? '')?.[1] ?? NaN);
    if (!(i >= 0) || missing(i)) return void res.writeHead(404).end();
    served.set(i, (served.get(i) ?? 0) + 1);
    // Out of input order: later items often finish first.
    setTimeout(() => serveBody(req, res, body(i)), delayMs + ((i * 7) % 5));
  });
});
after(async () => {
  await server?.close();
  await redis?.close();
  duck?.closeSync();
});

const shardFlags = ['--output-format', 'webdataset', '--shard-items', String(SHARD), '--retries', '0'];

async function listOf(work: string): Promise<string> {
  const list = path.join(work, 'list.txt');
  const lines = Array.from({ length: N }, (_, i) => `${server.url(`/s/${i}.bin`)} d/${i}.bin`);
  await fs.writeFile(list, lines.join('\n') + '\n');
  return list;
}

/** The shards one machine writes from the same list: what the cluster must write too. */
async function reference(work: string, list: string): Promise<string> {
  const ref = path.join(work, 'ref');
  const run = await runCli(['-i', list, '-d', ref, ...shardFlags], { ms: 60_000 });
  assert.equal(run.code, 1, `one machine: exit 1 for the missing items\n${run.stderr}`);
  return ref;
}

function shardNames(n: number): string[] {
  const names: string[] = [];
  for (let s = 0; s < n; s++) {
    const base = String(s).padStart(6, '0');
    names.push(`${base}.parquet`, `${base}.tar`, `${base}_stats.json`);
  }
  return names.sort();
}

/** Every shard of `out` is byte for byte the one-machine shard, and its index says the same. */
async function assertSameShards(out: string, ref: string): Promise<void> {
  assert.deepEqual(
    await listFiles(out),
    shardNames(SHARDS),
    'the shards and nothing else: no hidden upload, no spool, no partial shard',
  );
  for (let s = 0; s < SHARDS; s++) {
    const base = String(s).padStart(6, '0');
    const [got, want] = await Promise.all([
      fs.readFile(path.join(out, `${base}.tar`)),
      fs.readFile(path.join(ref, `${base}.tar`)),
    ]);
    assert.ok(got.equals(want), `${base}.tar is the one machine's, byte for byte`);
    const rows = (dir: string) =>
      parquetRows(duck, path.join(dir, `${base}.parquet`)).then((list) => list.map(({ ms: _ms, ...r }) => r));
    assert.deepEqual(await rows(out), await rows(ref), `${base}.parquet holds the same rows`);
  }
  // Keys count from the item's place in the whole input, not in its job.
  const names = await tarNames(path.join(out, '000003.tar'));
  assert.equal(names[0], `${String(3 * SHARD).padStart(9, '0')}.bin`);
  const stats = JSON.parse(await fs.readFile(path.join(out, '000006_stats.json'), 'utf8')) as Record<
    string,
    number
  >;
  assert.equal(stats.first_index, 6 * SHARD);
  assert.equal(stats.last_index, N - 1);
}

test('enqueue with WebDataset output: each job is one shard, and three workers write what one machine writes', async () => {
  const work = await tempDir();
  const list = await listOf(work);
  const ref = await reference(work, list);
  const out = path.join(work, 'out');
  const args = ['--redis', redis.url, '--queue', 'shards'];
  const enq = await runCli(['enqueue', '-i', list, '-d', out, ...shardFlags, ...args], { ms: 30_000 });
  assert.equal(enq.code, 0, enq.stderr);
  assert.match(enq.stderr, new RegExp(`Enqueued ${N} items in ${SHARDS} shards`));

  const workers = [0, 1, 2].map(() => spawnCli(['worker', ...args, '-j', '4', '--exit-when-empty']));
  const ends = await Promise.all(workers.map((w) => exited(w, 60_000)));
  for (const end of ends) assert.equal(end.code, 0, end.stderr);
  await assertSameShards(out, ref);

  const status = await runCli(['status', ...args, '--json'], { ms: 30_000 });
  const s = JSON.parse(status.stdout) as { shards: Record<string, number>; items: Record<string, number> };
  const failed = Array.from({ length: N }, (_, i) => i).filter(missing).length;
  assert.deepEqual(s.shards, { waiting: 0, active: 0, done: SHARDS, failed: 0 });
  assert.equal(s.items.failed, failed);
  assert.equal(s.items.ok, N - failed);
});

test('a worker killed with SIGKILL mid-shard: its shard is redone whole by another, and its spool is swept', async () => {
  const work = await tempDir();
  const list = await listOf(work);
  const ref = await reference(work, list);
  const out = path.join(work, 'out');
  // This machine's temp folder, where a worker's items wait for their turn.
  const tmp = path.join(work, 'tmp');
  await fs.mkdir(tmp);
  const env = { TMPDIR: tmp };
  const args = ['--redis', redis.url, '--queue', 'shards-killed'];
  const enq = await runCli(['enqueue', '-i', list, '-d', out, ...shardFlags, ...args], { ms: 30_000 });
  assert.equal(enq.code, 0, enq.stderr);
  served.clear();
  delayMs = 30;
  try {
    const first = spawnCli(['worker', ...args, '-j', '4', '--lease', '1'], { env });
    // Killed inside its first shard, with items waiting for their turn.
    await waitFor(() => served.size >= 15, 20_000);
    first.kill('SIGKILL');
    await exited(first, 10_000);
    const second = await runCli(['worker', ...args, '-j', '8', '--lease', '1', '--exit-when-empty'], {
      env,
      ms: 60_000,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`Worker done: ${SHARDS} shards`));
  } finally {
    delayMs = 0;
  }
  await assertSameShards(out, ref);
  assert.deepEqual(await fs.readdir(tmp), [], "the dead worker's spool is gone");
});

test('a byte limit on shards is refused for a run over many machines, by its flag', async () => {
  const work = await tempDir();
  const list = await listOf(work);
  const args = ['--redis', redis.url, '--queue', 'shards-bytes'];
  const enq = await runCli(
    ['enqueue', '-i', list, '-d', path.join(work, 'out'), ...shardFlags, '--shard-bytes', '1M', ...args],
    { ms: 30_000 },
  );
  assert.equal(enq.code, 2, enq.stderr);
  assert.match(enq.stderr, /shard-bytes|shardBytes/);
  assert.doesNotMatch(enq.stderr, /Enqueued/);
});

test('a worker frozen past its hold stops the shard once it wakes: the new holder writes it, alone', async () => {
  const work = await tempDir();
  const list = await listOf(work);
  const ref = await reference(work, list);
  const out = path.join(work, 'out');
  const args = ['--redis', redis.url, '--queue', 'shards-frozen'];
  const enq = await runCli(['enqueue', '-i', list, '-d', out, ...shardFlags, ...args], { ms: 30_000 });
  assert.equal(enq.code, 0, enq.stderr);
  served.clear();
  delayMs = 30;
  const frozen = spawnCli(['worker', ...args, '-j', '2', '--lease', '1', '--exit-when-empty']);
  try {
    await waitFor(() => served.size >= 10, 20_000);
    frozen.kill('SIGSTOP');
    // Its hold runs out while it cannot renew it.
    await new Promise((r) => setTimeout(r, 2_500));
    const second = await runCli(['worker', ...args, '-j', '8', '--lease', '1', '--exit-when-empty'], {
      ms: 60_000,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`Worker done: ${SHARDS} shards`));
    const before = new Map(served);
    frozen.kill('SIGCONT');
    const end = await exited(frozen, 30_000);
    assert.match(end.stderr, /Worker done: 0 shards/, end.stderr);
    const again = [...served].filter(([i, n]) => n > (before.get(i) ?? 0)).length;
    assert.ok(again <= 4, `${again} items fetched by the woken worker: it stops at once`);
  } finally {
    delayMs = 0;
    frozen.kill('SIGKILL');
  }
  await assertSameShards(out, ref);
});
