import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { enqueue } from '../../src/cluster/enqueue.js';
import { redisOptions } from '../../src/cluster/redis-connection.js';
import { QUEUE_PREFIX, type ShardJob } from '../../src/cluster/shard-job.js';
import { InvalidOptionError } from '../../src/errors/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.close());

/** A list of `n` URLs, made as it is read. */
function* urls(n: number): Generator<string> {
  for (let i = 0; i < n; i++) yield `http://127.0.0.1:9/item/${i}.bin`;
}

async function jobsOf(queueName: string): Promise<ShardJob[]> {
  const connection = new Redis(redisOptions(redis.url));
  const queue = new Queue<ShardJob>(queueName, { connection, prefix: QUEUE_PREFIX });
  try {
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1, true);
    return jobs.map((j) => j.data).sort((a, b) => a.shard - b.shard);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

test('enqueue streams a list into shards of N items, each one job, in order', async () => {
  const summary = await enqueue(urls(2_350), {
    redis: redis.url,
    queue: 'q1',
    shardItems: 500,
    batch: 2,
    run: { dir: '/data/out', retries: 2 },
  });
  assert.equal(summary.items, 2_350);
  assert.equal(summary.shards, 5);
  assert.equal(summary.added, 5);
  assert.ok(summary.redisMemory > 0, 'the memory Redis uses is reported');
  const jobs = await jobsOf('q1');
  assert.deepEqual(
    jobs.map((j) => [j.shard, j.first, j.items.length]),
    [
      [0, 0, 500],
      [1, 500, 500],
      [2, 1000, 500],
      [3, 1500, 500],
      [4, 2000, 350],
    ],
  );
  assert.equal(jobs[4]!.items[349]!.url, 'http://127.0.0.1:9/item/2349.bin');
});

test('enqueueing the same input again adds nothing twice; more of it adds only the rest', async () => {
  const o = { redis: redis.url, queue: 'q2', shardItems: 100, run: { dir: '/data/out' } };
  assert.equal((await enqueue(urls(450), o)).added, 5);
  const again = await enqueue(urls(450), o);
  assert.equal(again.added, 0);
  assert.equal(again.shards, 5);
  assert.equal((await jobsOf('q2')).length, 5);
});

test('a queue that holds another run refuses to take this one, and nothing is added', async () => {
  await enqueue(urls(10), { redis: redis.url, queue: 'q3', run: { dir: '/data/a' } });
  await assert.rejects(
    enqueue(urls(10), { redis: redis.url, queue: 'q3', run: { dir: '/data/b' } }),
    (err: unknown) => err instanceof InvalidOptionError && err.key === 'queue',
  );
  await assert.rejects(
    enqueue(urls(10), { redis: redis.url, queue: 'q4', run: { retries: -1 } }),
    (err: unknown) => err instanceof InvalidOptionError && err.key === 'retries',
  );
  assert.equal((await jobsOf('q4')).length, 0);
});

test("with WebDataset output a job is one shard: its size is the output's shardItems", async () => {
  const summary = await enqueue(urls(25), {
    redis: redis.url,
    queue: 'q6',
    run: { output: { format: 'webdataset', shardItems: 10 } },
  });
  assert.equal(summary.shards, 3);
  assert.deepEqual(
    (await jobsOf('q6')).map((j) => [j.shard, j.first, j.items.length]),
    [
      [0, 0, 10],
      [1, 10, 10],
      [2, 20, 5],
    ],
  );
});

test('shards that may end early by bytes, or a part set by hand, are refused for a run over many machines', async () => {
  const runs = [
    { key: 'output.shardBytes', output: { format: 'webdataset', shardBytes: 1_000_000 } },
    { key: 'output.part', output: { format: 'webdataset', part: { shard: 1, index: 10 } } },
  ] as const;
  for (const { key, output } of runs) {
    await assert.rejects(
      enqueue(urls(10), { redis: redis.url, queue: 'q5', run: { output } }),
      (err: unknown) => err instanceof InvalidOptionError && err.key === key,
    );
  }
  assert.equal((await jobsOf('q5')).length, 0);
});
