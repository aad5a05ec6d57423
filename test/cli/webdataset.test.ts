import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { duckdb, parquetRows, requireGnuTar, tarMember, tarNames } from '../helpers/shards.js';
import { seededRandom } from '../helpers/random.js';
import { CLI, jsonLines, runCli } from './cli.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The items of a run: images with a caption, a text file without extension, a large file, a failure, a key. */
interface Served {
  path: string;
  body?: Buffer;
  type?: string;
  fields: Record<string, unknown>;
}

function catalogue(): Served[] {
  const out: Served[] = [];
  for (let i = 0; i < 20; i++) {
    out.push({
      path: `/img/${i}.jpg`,
      body: bytes(500 + i * 211, i),
      type: 'image/jpeg',
      fields: { caption: `a cat ${i}` },
    });
  }
  out.push({
    path: '/notes',
    body: Buffer.from('plain words\n'),
    type: 'text/plain',
    fields: { caption: 'text' },
  });
  out.push({ path: '/missing.jpg', fields: { caption: 'gone' } });
  // Larger than what an item may hold in memory while it waits: spooled to disk.
  out.push({
    path: '/big.bin',
    body: bytes(3 * MiB + 17, 99),
    type: 'application/octet-stream',
    fields: { key: 'big-one' },
  });
  return out;
}

let server: TestServer;
const served = catalogue();
before(async () => {
  requireGnuTar();
  const byPath = new Map(served.map((s) => [s.path, s]));
  server = await startServer((req, res) => {
    const s = byPath.get(req.url ?? '');
    if (!s?.body) return void res.writeHead(404).end();
    // Answers out of input order: later items often finish first.
    setTimeout(
      () => res.writeHead(200, { 'content-type': s.type!, 'content-length': s.body!.length }).end(s.body),
      (served.indexOf(s) * 7) % 40,
    );
  });
});
after(() => server.close());

async function manifest(dir: string): Promise<string> {
  const file = path.join(dir, 'items.jsonl');
  const lines = served.map((s) => JSON.stringify({ url: server.url(s.path), ...s.fields }));
  await fs.writeFile(file, lines.join('\n') + '\n');
  return file;
}

describe('--output-format webdataset', () => {
  let duck: DuckDBConnection;
  before(async () => (duck = await duckdb()));
  after(() => duck?.closeSync());

  test('shards made by the command read back with GNU tar, and their index with DuckDB', async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    const report = path.join(work, 'report.jsonl');
    const args = [
      '-i',
      await manifest(work),
      '--output-format',
      'webdataset',
      '--shard-items',
      '10',
      '-d',
      out,
    ];
    const res = await runCli([...args, '--report', report, '--retries', '0', '--progress', 'none'], {
      ms: 60_000,
    });
    assert.equal(res.code, 1, `one item is missing on the server: ${res.stderr}`);

    assert.deepEqual(await listFiles(out), [
      '000000.parquet',
      '000000.tar',
      '000000_stats.json',
      '000001.parquet',
      '000001.tar',
      '000001_stats.json',
      '000002.parquet',
      '000002.tar',
      '000002_stats.json',
      '_stats.json',
    ]);
    // Members in input order, data and metadata side by side; the failure has none.
    const key = (i: number) => String(i).padStart(9, '0');
    assert.deepEqual(
      await tarNames(path.join(out, '000000.tar')),
      Array.from({ length: 10 }, (_, i) => [`${key(i)}.jpg`, `${key(i)}.json`]).flat(),
    );
    assert.deepEqual(await tarNames(path.join(out, '000002.tar')), [
      `${key(20)}.txt`,
      `${key(20)}.json`,
      'big-one.bin',
      'big-one.json',
    ]);
    for (let i = 0; i < 20; i++) {
      const shard = path.join(out, `00000${Math.floor(i / 10)}.tar`);
      assert.deepEqual(await tarMember(shard, `${key(i)}.jpg`), served[i]!.body, `member ${i}`);
    }
    const shard2 = path.join(out, '000002.tar');
    assert.deepEqual(await tarMember(shard2, 'big-one.bin'), served[22]!.body);
    const meta = JSON.parse((await tarMember(path.join(out, '000000.tar'), `${key(3)}.json`)).toString());
    assert.equal(meta.url, server.url('/img/3.jpg'));
    assert.equal(meta.sha256, sha256(served[3]!.body!));
    assert.equal(meta.size, served[3]!.body!.length);
    assert.equal(meta.content_type, 'image/jpeg');
    assert.equal(meta.caption, 'a cat 3');

    const rows = [0, 1, 2].map((n) => parquetRows(duck, path.join(out, `00000${n}.parquet`)));
    const [first, , last] = await Promise.all(rows);
    assert.equal(first!.length, 10);
    assert.equal(first![4]!.url, server.url('/img/4.jpg'));
    assert.equal(first![4]!.sha256, sha256(served[4]!.body!));
    assert.equal(first![4]!.bytes, served[4]!.body!.length);
    assert.deepEqual(
      last!.map((r) => [r.index, r.key, r.status, r.error_code, r.bytes]),
      [
        [20, key(20), 'ok', null, served[20]!.body!.length],
        [21, key(21), 'failed', 'HTTP_404', 0],
        [22, 'big-one', 'ok', null, served[22]!.body!.length],
      ],
    );
    const run = JSON.parse(await fs.readFile(path.join(out, '_stats.json'), 'utf8'));
    assert.equal(run.items, 23);
    assert.equal(run.ok, 22);
    assert.equal(run.failed, 1);

    // The report names each item's shard.
    const records = jsonLines(await fs.readFile(report, 'utf8'));
    assert.equal(records.length, 23);
    assert.equal(records.find((r) => r.url === server.url('/img/13.jpg'))?.path, '000001.tar');

    // Again: every shard is complete, so nothing is fetched, the failure included, and nothing changes.
    const before = server.requests.length;
    const tars = await Promise.all([0, 1, 2].map((n) => fs.readFile(path.join(out, `00000${n}.tar`))));
    const again = await runCli([...args, '--json'], { ms: 60_000 });
    assert.equal(again.code, 1, again.stderr);
    assert.equal(server.requests.length, before, 'no request on a re-run');
    const results = jsonLines(again.stdout).filter((e) => e.event === 'result');
    assert.equal(results.filter((r) => r.status === 'skipped').length, 22);
    assert.equal(results.filter((r) => (r.error as { code?: string } | null)?.code === 'HTTP_404').length, 1);
    for (const [n, tar] of tars.entries()) {
      assert.deepEqual(await fs.readFile(path.join(out, `00000${n}.tar`)), tar, `shard ${n} unchanged`);
    }
  });

  test('--shard-bytes ends a shard before its data would pass the size', async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    const list = path.join(work, 'list.txt');
    await fs.writeFile(
      list,
      served
        .slice(0, 20)
        .map((s) => server.url(s.path))
        .join('\n') + '\n',
    );
    const res = await runCli(
      ['-i', list, '--output-format', 'webdataset', '--shard-bytes', '10K', '-d', out],
      {
        ms: 60_000,
      },
    );
    assert.equal(res.code, 0, res.stderr);
    const tars = (await listFiles(out)).filter((n) => n.endsWith('.tar'));
    assert.ok(tars.length > 2, `several shards: ${tars.join(' ')}`);
    let items = 0;
    for (const tar of tars) {
      const data = (await tarNames(path.join(out, tar))).filter((n) => n.endsWith('.jpg'));
      const sizes = data.map((n) => served[Number(n.slice(0, 9))]!.body!.length);
      assert.ok(sizes.reduce((a, b) => a + b, 0) <= 10 * KiB, `${tar}: ${sizes.join('+')} bytes`);
      items += data.length;
    }
    assert.equal(items, 20);
  });
});

test('SIGKILL while sharding, over many rounds, never leaves a shard that is not whole; the end result is the same shards', async (t) => {
  const seed = Number(process.env.PARAFETCH_CHAOS_SEED ?? Date.now() % 1_000_000_000);
  t.diagnostic(`seed ${seed} (set PARAFETCH_CHAOS_SEED to replay)`);
  const rand = seededRandom(seed);
  const count = 360;
  const per = 30;
  const bodies = Array.from({ length: count }, (_, i) => bytes(1 + Math.floor(rand() * 24 * KiB), 500 + i));
  const delays = bodies.map(() => Math.floor(rand() * 100));
  let onFirstRequest: (() => void) | undefined;
  const srv = await startServer((req, res) => {
    onFirstRequest?.();
    onFirstRequest = undefined;
    const i = Number(/^\/s\/(\d+)\.bin$/.exec(req.url ?? '')?.[1] ?? NaN);
    if (!(i >= 0 && i < count)) return void res.writeHead(404).end();
    setTimeout(() => serveBody(req, res, bodies[i]!), delays[i]);
  });
  const work = await tempDir();
  const list = path.join(work, 'list.txt');
  await fs.writeFile(list, bodies.map((_, i) => srv.url(`/s/${i}.bin`)).join('\n') + '\n');
  const args = (dir: string) => [
    CLI,
    '-i',
    list,
    '--output-format',
    'webdataset',
    '--shard-items',
    String(per),
    '-d',
    dir,
    '-j',
    '8',
    '-q',
  ];
  const key = (i: number) => String(i).padStart(9, '0');
  /** Every shard under its final name holds exactly its items, each whole. */
  const assertWhole = async (dir: string, context: string) => {
    let whole = 0;
    for (const name of await fs.readdir(dir)) {
      const m = /^(\d{6})\.tar$/.exec(name);
      if (!m) continue;
      const first = Number(m[1]) * per;
      const names = await tarNames(path.join(dir, name));
      const expected = Array.from({ length: Math.min(per, count - first) }, (_, j) => [
        `${key(first + j)}.bin`,
        `${key(first + j)}.json`,
      ]).flat();
      assert.deepEqual(names, expected, `${name} holds all its members (${context})`);
      for (let j = 0; j < expected.length / 2; j++) {
        const body = await tarMember(path.join(dir, name), `${key(first + j)}.bin`);
        assert.ok(body.equals(bodies[first + j]!), `${name}: member ${first + j} is whole (${context})`);
      }
      whole++;
    }
    return whole;
  };
  const waitExit = (child: ReturnType<typeof spawn>) =>
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const dir = path.join(work, 'killed');
  const schedule: string[] = [];
  try {
    for (let round = 0; round < 8; round++) {
      const killAfter = Math.round(50 + rand() * 1200);
      schedule.push(String(killAfter));
      const child = spawn(process.execPath, args(dir), { stdio: 'ignore' });
      let timer: NodeJS.Timeout | undefined;
      const kill = () => (timer = setTimeout(() => child.kill('SIGKILL'), killAfter));
      onFirstRequest = kill;
      // A run with nothing left makes no request: it ends by itself, or is killed.
      const idle = setTimeout(() => onFirstRequest === kill && ((onFirstRequest = undefined), kill()), 5000);
      const code = await waitExit(child);
      clearTimeout(timer);
      clearTimeout(idle);
      onFirstRequest = undefined;
      const context = `seed ${seed}, kills after ${schedule.join(', ')} ms`;
      assert.ok(code === null || code === 0, `round ${round + 1} exited with ${code} (${context})`);
      const whole = await assertWhole(dir, `after round ${round + 1}; ${context}`);
      t.diagnostic(`round ${round + 1}: killed after ${killAfter} ms, ${whole} whole shards`);
    }
    // To the end, then against a run never interrupted.
    const end = await runCli(args(dir).slice(1), { ms: 60_000 });
    assert.equal(end.code, 0, end.stderr);
    const reference = path.join(work, 'reference');
    const clean = await runCli(args(reference).slice(1), { ms: 60_000 });
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(await assertWhole(dir, 'at the end'), count / per);
    for (let n = 0; n < count / per; n++) {
      const name = `${String(n).padStart(6, '0')}.tar`;
      assert.ok(
        (await fs.readFile(path.join(dir, name))).equals(await fs.readFile(path.join(reference, name))),
        `${name} is the same as a run never interrupted makes (seed ${seed}, kills ${schedule.join(', ')})`,
      );
    }
    const left = (await fs.readdir(dir)).filter((n) => n.startsWith('.'));
    assert.deepEqual(left, [], 'no upload or spool left behind');
  } finally {
    await srv.close();
  }
});

test('regression: an item retried while many after it wait for their shard still gets its retry (the run once hung)', async () => {
  const count = 2500;
  let refusals = 0;
  const srv = await startServer((req, res) => {
    const i = Number(/^\/r\/(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN);
    // The first item is refused until the others are all in: everything after it waits for it.
    if (i === 0 && refusals < 3) {
      refusals++;
      // A 500 is retried after a backoff of its own, without pausing the other items' origin.
      return void setTimeout(() => res.writeHead(500).end(), 200);
    }
    res.writeHead(200, { 'content-length': 2 }).end(String(i % 100).padStart(2, '0'));
  });
  try {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    await fs.writeFile(list, Array.from({ length: count }, (_, i) => srv.url(`/r/${i}`)).join('\n') + '\n');
    const out = path.join(work, 'out');
    const res = await runCli(
      ['-i', list, '--output-format', 'webdataset', '--shard-items', '5000', '-d', out, '-j', '16', '--json'],
      { ms: 60_000 },
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(refusals, 3, 'the first item was refused, then fetched');
    const results = jsonLines(res.stdout).filter((e) => e.event === 'result');
    assert.equal(results.filter((r) => r.status === 'ok').length, count);
    assert.equal((await tarNames(path.join(out, '000000.tar'))).length, 2 * count);
  } finally {
    await srv.close();
  }
});
