import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';
import { exited, runCli, spawnCli } from './cli.js';

let redis: TestRedis;
let server: TestServer;
const body = (i: number) => bytes(2_000 + i * 13, 700 + i);
/** Items served so far, by index (a worker killed mid-shard leaves some fetched twice at most). */
const served = new Map<number, number>();
let delayMs = 0;
before(async () => {
  redis = await startRedis();
  server = await startServer((req, res) => {
    const i = Number(/^\/c\/(\d+)\.bin$/.exec(req.url ?? '')?.[1] ?? NaN);
    if (!(i >= 0)) return void res.writeHead(404).end();
    served.set(i, (served.get(i) ?? 0) + 1);
    setTimeout(() => serveBody(req, res, body(i)), delayMs);
  });
});
after(async () => {
  await server?.close();
  await redis?.close();
});

async function listOf(work: string, n: number): Promise<string> {
  const list = path.join(work, 'list.txt');
  await fs.writeFile(
    list,
    Array.from({ length: n }, (_, i) => `${server.url(`/c/${i}.bin`)} d/${i}.bin`).join('\n') + '\n',
  );
  return list;
}

async function assertAllThere(dir: string, n: number): Promise<void> {
  const files = await listFiles(dir);
  assert.deepEqual(
    files.filter((f) => !/^d\/\d+\.bin$/.test(f)),
    [],
    'nothing but the final files: no .part, no .1 copy',
  );
  assert.equal(files.length, n);
  for (let i = 0; i < n; i += 37)
    assert.deepEqual(await fs.readFile(path.join(dir, 'd', `${i}.bin`)), body(i), `item ${i}`);
}

test('enqueue, then three worker processes take the shards; status tells the end', async () => {
  const work = await tempDir();
  const dir = path.join(work, 'out');
  const list = await listOf(work, 300);
  const args = ['--redis', redis.url, '--queue', 'three'];
  const enq = await runCli(['enqueue', '-i', list, '-d', dir, '--shard-items', '50', ...args], {
    ms: 30_000,
  });
  assert.equal(enq.code, 0, enq.stderr);
  assert.match(enq.stderr, /Enqueued 300 items in 6 shards to queue three \(6 new\)/);
  const again = await runCli(['enqueue', '-i', list, '-d', dir, '--shard-items', '50', ...args], {
    ms: 30_000,
  });
  assert.match(again.stderr, /\(0 new\)/, 'the same input again adds nothing');

  // Watched from the start: it ends by itself once every shard is done.
  const watch = spawnCli(['status', ...args, '--watch', '0.2']);
  // Waited for from now: it may end before the workers' exits are seen.
  const watchEnd = exited(watch, 80_000);
  const workers = [0, 1, 2].map(() => spawnCli(['worker', ...args, '-j', '4', '--exit-when-empty']));
  const ends = await Promise.all(workers.map((w) => exited(w, 60_000)));
  for (const end of ends) assert.equal(end.code, 0, end.stderr);
  const watched = await watchEnd;
  assert.equal(watched.code, 0, watched.stderr);
  const looks = watched.stdout.trim().split('\n');
  assert.ok(looks.length >= 2, watched.stdout);
  assert.match(looks[1]!, /items\/s/, 'a rate once there are two looks');
  assert.match(looks.at(-1)!, /6 done, 0 failed of 6; items 300 ok, 0 skipped, 0 failed of 300/);
  const shardsDone = ends.map((e) => Number(/Worker done: (\d+) shards/.exec(e.stderr)?.[1] ?? NaN));
  assert.equal(
    shardsDone.reduce((a, b) => a + b, 0),
    6,
    `every shard done once: ${shardsDone.join(' + ')}`,
  );
  await assertAllThere(dir, 300);

  const status = await runCli(['status', ...args, '--json'], { ms: 30_000 });
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout) as {
    shards: Record<string, number>;
    items: Record<string, number>;
    failedShards: unknown[];
  };
  assert.deepEqual(s.shards, { waiting: 0, active: 0, done: 6, failed: 0 });
  assert.deepEqual(s.failedShards, []);
  assert.equal(s.items.ok, 300);

  // The merged report: one line per item, in input order, as a single machine's --report.
  const report = path.join(work, 'report.jsonl');
  const merged = await runCli(['report', ...args, '-o', report], { ms: 30_000 });
  assert.equal(merged.code, 0, merged.stderr);
  const records = (await fs.readFile(report, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { url: string; path: string; status: string; bytes: number });
  assert.equal(records.length, 300);
  assert.deepEqual(records[123], {
    ...records[123],
    url: server.url('/c/123.bin'),
    path: 'd/123.bin',
    status: 'ok',
    bytes: body(123).length,
  });
  assert.deepEqual(
    records.map((r) => r.url),
    Array.from({ length: 300 }, (_, i) => server.url(`/c/${i}.bin`)),
  );
  // Each line names the worker process that downloaded it (HOST:PID), one of the three.
  const ids = new Set(workers.map((w) => `${hostname()}:${w.pid}`));
  const named = records.map((r) => (r as { worker?: unknown }).worker);
  assert.ok(
    named.every((w) => typeof w === 'string' && ids.has(w)),
    `workers ${[...new Set(named)].join(', ')}; expected among ${[...ids].join(', ')}`,
  );
  // Beside it, the run: its options as enqueued, its span from the earliest start to the latest end.
  const info = JSON.parse(await fs.readFile(`${report}.run.json`, 'utf8')) as {
    startedAt: number;
    endedAt: number;
    argv: string[];
    options: { dir: string };
    summary: { ok: number; failed: number };
  };
  const spans = records as unknown as { startedAt: number; endedAt: number }[];
  assert.equal(info.startedAt, Math.min(...spans.map((r) => r.startedAt)));
  assert.equal(info.endedAt, Math.max(...spans.map((r) => r.endedAt)));
  assert.equal(info.options.dir, dir);
  assert.equal(info.summary.ok, 300);
  assert.equal(info.summary.failed, 0);
  assert.deepEqual(info.argv.slice(0, 1), ['report']);

  // The run page of the queue (drawn in Chromium by html-report.test.ts): the same items.
  const page = path.join(work, 'run.html');
  const drawn = await runCli(['report', ...args, '--html', page], { ms: 30_000 });
  assert.equal(drawn.code, 0, drawn.stderr);
  assert.equal(drawn.stdout, '', 'with --html and no -o, the lines are not printed');
  const data = /<script type="application\/json" id="run-data">(.*?)<\/script>/s.exec(
    await fs.readFile(page, 'utf8'),
  );
  const view = JSON.parse(data?.[1] ?? 'null') as {
    totals: { items: number; ok: number; bytes: number };
    run: { options?: { dir?: string } };
  };
  assert.equal(view.run.options?.dir, dir, "the page shows the run's options, from the queue");
  assert.equal(view.totals.items, 300);
  assert.equal(view.totals.ok, 300);
  assert.equal(
    view.totals.bytes,
    records.reduce((n, r) => n + r.bytes, 0),
  );
});

test('a worker killed with SIGKILL mid-shard: another takes its shard after the lease, nothing is lost or doubled', async () => {
  const work = await tempDir();
  const dir = path.join(work, 'out');
  const list = await listOf(work, 120);
  const args = ['--redis', redis.url, '--queue', 'killed'];
  const enq = await runCli(['enqueue', '-i', list, '-d', dir, '--shard-items', '60', ...args], {
    ms: 30_000,
  });
  assert.equal(enq.code, 0, enq.stderr);
  served.clear();
  delayMs = 40;
  try {
    const first = spawnCli(['worker', ...args, '-j', '2', '--lease', '1']);
    // Killed once it is well into its first shard.
    await waitFor(() => served.size >= 20, 20_000);
    first.kill('SIGKILL');
    await exited(first, 10_000);
    const second = await runCli(['worker', ...args, '-j', '8', '--lease', '1', '--exit-when-empty'], {
      ms: 60_000,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Worker done: 2 shards/, "the dead worker's shard and the other one");
  } finally {
    delayMs = 0;
  }
  await assertAllThere(dir, 120);
  // An item complete before the kill is not fetched again; one in flight at the kill may be.
  const twice = [...served.values()].filter((n) => n > 1).length;
  assert.ok(twice <= 2, `${twice} items fetched twice: only those in flight when the worker died`);
});

test('the per-host limit holds across every worker, counted at the server; a Retry-After seen by one pauses them all', async () => {
  let inFlight = 0;
  let peak = 0;
  let refusedAt: number | undefined;
  const after: number[] = [];
  const origin = await startServer((req, res) => {
    if (refusedAt === undefined && req.url === '/p/40.bin') {
      refusedAt = Date.now();
      return void res.writeHead(503, { 'retry-after': '1' }).end();
    }
    if (refusedAt !== undefined) after.push(Date.now() - refusedAt);
    peak = Math.max(peak, ++inFlight);
    res.on('close', () => inFlight--);
    setTimeout(() => serveBody(req, res, bytes(1000)), 30);
  });
  try {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    await fs.writeFile(
      list,
      Array.from({ length: 90 }, (_, i) => origin.url(`/p/${i}.bin`)).join('\n') + '\n',
    );
    const args = ['--redis', redis.url, '--queue', 'polite'];
    const enq = await runCli(
      [
        'enqueue',
        '-i',
        list,
        '-d',
        path.join(work, 'out'),
        '--shard-items',
        '10',
        '--per-host',
        '3',
        ...args,
      ],
      { ms: 30_000 },
    );
    assert.equal(enq.code, 0, enq.stderr);
    // One asks for two event loops: a leased run has one, and the worker says so.
    const workers = [0, 1, 2].map((w) =>
      spawnCli(['worker', ...args, '-j', '8', '--exit-when-empty', ...(w === 0 ? ['--workers', '2'] : [])]),
    );
    const ends = await Promise.all(workers.map((w) => exited(w, 60_000)));
    for (const end of ends) assert.equal(end.code, 0, end.stderr);
    assert.match(ends[0]!.stderr, /--workers 2 runs as 1: the run's per-host limit is held across machines/);
    const status = JSON.parse((await runCli(['status', ...args, '--json'], { ms: 30_000 })).stdout) as {
      items: { ok: number };
    };
    assert.equal(status.items.ok, 90);
    assert.ok(peak <= 3, `${peak} requests at once with --per-host 3 over three workers of -j 8`);
    assert.ok(refusedAt !== undefined, 'the server refused once');
    // Requests under way end; nothing new starts on any worker until the second is over.
    assert.deepEqual(
      after.filter((ms) => ms > 150 && ms < 900),
      [],
      'requests that started while the origin was paused',
    );
  } finally {
    await origin.close();
  }
});

test('Redis killed and restarted mid-run: the workers reconnect and go on, and nothing acknowledged is lost', async () => {
  const own = await startRedis({ persist: true });
  try {
    const work = await tempDir();
    const dir = path.join(work, 'out');
    const list = await listOf(work, 200);
    const args = ['--redis', own.url, '--queue', 'restart'];
    const enq = await runCli(['enqueue', '-i', list, '-d', dir, '--shard-items', '20', ...args], {
      ms: 30_000,
    });
    assert.equal(enq.code, 0, enq.stderr);
    served.clear();
    delayMs = 20;
    try {
      const workers = [0, 1].map(() =>
        spawnCli(['worker', ...args, '-j', '4', '--lease', '2', '--exit-when-empty']),
      );
      await waitFor(() => served.size >= 40, 30_000);
      await own.kill();
      await new Promise((r) => setTimeout(r, 500));
      await own.restart();
      const ends = await Promise.all(workers.map((w) => exited(w, 90_000)));
      for (const end of ends) assert.equal(end.code, 0, end.stderr);
    } finally {
      delayMs = 0;
    }
    await assertAllThere(dir, 200);
    const status = JSON.parse((await runCli(['status', ...args, '--json'], { ms: 30_000 })).stdout) as {
      shards: { done: number };
      items: { ok: number; skipped: number };
    };
    assert.equal(status.shards.done, 10);
    assert.equal(status.items.ok + status.items.skipped, 200);
  } finally {
    await own.close();
  }
});
