import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { enqueue } from '../../src/cluster/enqueue.js';
import { redisOptions } from '../../src/cluster/redis-connection.js';
import { QUEUE_PREFIX, type ShardJob } from '../../src/cluster/shard-job.js';
import { ShardTally } from '../../src/cluster/shard-tally.js';
import { queueStatus } from '../../src/cluster/status.js';
import { runWorker } from '../../src/cluster/worker.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';

let redis: TestRedis;
let server: TestServer;
const body = (i: number) => bytes(100 + i, i);
before(async () => {
  redis = await startRedis();
  server = await startServer((req, res) => {
    const m = /^\/f\/(\d+)\.bin$/.exec(req.url ?? '');
    if (m && Number(m[1]) % 50 !== 49) serveBody(req, res, body(Number(m[1])));
    else res.writeHead(404).end();
  });
});
after(async () => {
  await server?.close();
  await redis?.close();
});

test('a worker takes every shard of a run and downloads it with the run options; the counts add up', async () => {
  const dir = await tempDir();
  const items = Array.from({ length: 250 }, (_, i) => ({
    url: server.url(`/f/${i}.bin`),
    path: `s/${i}.bin`,
  }));
  await enqueue(items, { redis: redis.url, queue: 'w1', shardItems: 100, run: { dir, retries: 0 } });
  const seen = new Set<number>();
  const summary = await runWorker({
    redis: redis.url,
    queue: 'w1',
    concurrency: 8,
    exitWhenEmpty: true,
    onResult: (r) => seen.add(r.index),
  });
  assert.deepEqual(summary, { shards: 3, ok: 245, skipped: 0, failed: 5, bytes: summary.bytes });
  assert.equal(seen.size, 250, 'every item has its result, by its place in the whole input');
  assert.equal((await listFiles(path.join(dir, 's'))).length, 245);
  assert.deepEqual(await fs.readFile(path.join(dir, 's', '17.bin')), body(17));
  const connection = new Redis(redisOptions(redis.url));
  try {
    const totals = await new ShardTally(connection, 'w1').totals();
    assert.deepEqual(
      { ...totals, bytes: 0 },
      { shards: 3, ok: 245, skipped: 0, failed: 5, bytes: 0, failuresByCode: { HTTP_404: 5 } },
    );
  } finally {
    connection.disconnect();
  }
  // A second worker finds nothing left and stops.
  const idle = await runWorker({ redis: redis.url, queue: 'w1', exitWhenEmpty: true });
  assert.equal(idle.shards, 0);
});

test('a worker for a queue nothing was enqueued to says so', async () => {
  await assert.rejects(
    runWorker({ redis: redis.url, queue: 'nothing-here', exitWhenEmpty: true }),
    /holds no run/,
  );
});

test('a shard that cannot be done ends failed, with its reason in the status; the worker goes on with the others', async () => {
  const dir = await tempDir();
  await enqueue([server.url('/f/1.bin')], { redis: redis.url, queue: 'w3', run: { dir, retries: 0 } });
  const connection = new Redis(redisOptions(redis.url));
  const queue = new Queue<ShardJob>('w3', { connection, prefix: QUEUE_PREFIX });
  try {
    // A job whose items are no list (written by something else than enqueue): it cannot run.
    await queue.add(
      'shard',
      { shard: 1, first: 1, items: 42 as unknown as ShardJob['items'] },
      {
        jobId: 'shard-000001',
        attempts: 1,
      },
    );
  } finally {
    await queue.close();
    connection.disconnect();
  }
  const summary = await runWorker({ redis: redis.url, queue: 'w3', exitWhenEmpty: true });
  assert.equal(summary.shards, 1, 'the good shard was done');
  const status = await queueStatus(redis.url, 'w3');
  assert.equal(status.shards.failed, 1);
  assert.equal(status.shards.done, 1);
  assert.equal(status.failedShards.length, 1);
  assert.equal(status.failedShards[0]!.shard, 1);
  assert.match(status.failedShards[0]!.reason, /\S/);
});
