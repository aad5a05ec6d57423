import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';
import { requireGnuTar, tarMember, tarNames } from '../helpers/shards.js';
import { exited, jsonLines, runCli } from './cli.js';
import { fullDisk } from './full-disk.js';

const run = promisify(execFile);
const KiB = 1024;
const key = (i: number) => String(i).padStart(9, '0');

const count = 8;
const body = (i: number) => bytes(20 * KiB + i * 101, 300 + i);
let server: TestServer;
before(async () => {
  requireGnuTar();
  server = await startServer((req, res) => {
    const i = Number(/^\/f\/(\d+)\.bin$/.exec(req.url ?? '')?.[1] ?? NaN);
    if (!(i >= 0 && i < 100)) return void res.writeHead(404).end();
    serveBody(req, res, body(i));
  });
});
after(() => server.close());

async function list(dir: string, n = count): Promise<string> {
  const file = path.join(dir, 'list.txt');
  await fs.writeFile(file, Array.from({ length: n }, (_, i) => server.url(`/f/${i}.bin`)).join('\n') + '\n');
  return file;
}

const shardArgs = (input: string, out: string) => [
  '-i',
  input,
  '--output-format',
  'webdataset',
  '--shard-items',
  '4',
  '-d',
  out,
  '--retries',
  '0',
  '--progress',
  'none',
];

/** Every shard under a final name in `out` holds exactly its items, whole. */
async function assertWholeShards(out: string): Promise<string[]> {
  const tars: string[] = [];
  for (const name of (await fs.readdir(out)).sort()) {
    // A link planted there and left as it was is not a shard of the run.
    if (/^\d{6}\.tar$/.test(name) && (await fs.lstat(path.join(out, name))).isFile()) tars.push(name);
  }
  for (const name of tars) {
    const first = Number(name.slice(0, 6)) * 4;
    const expected = Array.from({ length: Math.min(4, count - first) }, (_, j) => [
      `${key(first + j)}.bin`,
      `${key(first + j)}.json`,
    ]).flat();
    assert.deepEqual(await tarNames(path.join(out, name)), expected, name);
    for (let j = 0; j < expected.length / 2; j++) {
      assert.deepEqual(await tarMember(path.join(out, name), `${key(first + j)}.bin`), body(first + j));
    }
  }
  return tars;
}

test('symlinks planted at every final and hidden name of the shards lead nothing outside the folder', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  const outside = path.join(work, 'outside');
  await fs.mkdir(out);
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'victim'), 'precious');
  await fs.writeFile(
    path.join(outside, 'stats'),
    JSON.stringify({ count: 4, ok: 4, failed: 0, bytes: 1, first_index: 0, last_index: 3 }),
  );
  const names = [
    '000000.tar',
    '000000.parquet',
    '000001.tar',
    '000001.parquet',
    '000001_stats.json',
    '_stats.json',
  ];
  for (const n of names) await fs.symlink(path.join(outside, 'victim'), path.join(out, n));
  for (const n of [...names, '000000_stats.json']) {
    await fs.symlink(path.join(outside, `via-${n}`), path.join(out, `.${n}.upload`));
  }
  // A stats file that is a link to one outside is not taken for a complete shard.
  await fs.symlink(path.join(outside, 'stats'), path.join(out, '000000_stats.json'));
  // A spool folder an earlier run seems to have left, that is a link to a folder outside.
  await fs.symlink(outside, path.join(out, '.parafetch-spool-planted'));

  const res = await runCli(shardArgs(await list(work), out), { ms: 60_000 });
  assert.notEqual(res.code, 0, `planted links fail the run: ${res.stderr}`);
  assert.doesNotMatch(res.stderr, /Error: |at .*\.js:\d+/, `a clear message, no stack: ${res.stderr}`);
  assert.deepEqual((await fs.readdir(outside)).sort(), ['stats', 'victim'], 'nothing was made outside');
  assert.equal(await fs.readFile(path.join(outside, 'victim'), 'utf8'), 'precious');
  await assertWholeShards(out);
});

test('a hard link planted at the hidden name of a shard is not written through', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  await fs.mkdir(out);
  const victim = path.join(work, 'victim');
  await fs.writeFile(victim, 'precious');
  await fs.link(victim, path.join(out, '.000000.tar.upload'));
  const res = await runCli(shardArgs(await list(work), out), { ms: 60_000 });
  assert.notEqual(res.code, 0, res.stderr);
  assert.match(res.stderr, /UNSAFE_PATH|hard link/, res.stderr);
  assert.equal(await fs.readFile(victim, 'utf8'), 'precious');
  await assertWholeShards(out);
});

test('a FIFO where a shard stats file would be: the run ends, it does not wait for a writer', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  await fs.mkdir(out);
  await run('mkfifo', [path.join(out, '000000_stats.json')]);
  const res = await runCli(shardArgs(await list(work), out), { ms: 30_000 });
  assert.ok(res.code !== null, 'the command exited');
  await assertWholeShards(out);
});

test('a FIFO where a complete shard index would be: the run ends, it does not wait for a writer', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  const input = await list(work);
  const first = await runCli(shardArgs(input, out), { ms: 60_000 });
  assert.equal(first.code, 0, first.stderr);
  await fs.rm(path.join(out, '000000.parquet'));
  await run('mkfifo', [path.join(out, '000000.parquet')]);
  const tar = await fs.readFile(path.join(out, '000000.tar'));
  const res = await runCli(shardArgs(input, out), { ms: 30_000 });
  assert.ok(res.code !== null, 'the command exited');
  assert.deepEqual(await fs.readFile(path.join(out, '000000.tar')), tar, 'the complete shard is kept');
  await assertWholeShards(out);
});

test('a complete shard whose index is gone: a STORE_ERROR naming it; no item is fetched for nothing or said to be in it', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  const input = await list(work);
  const first = await runCli(shardArgs(input, out), { ms: 60_000 });
  assert.equal(first.code, 0, first.stderr);
  await fs.rm(path.join(out, '000000.parquet'));
  const tar = await fs.readFile(path.join(out, '000000.tar'));
  const before = server.requests.length;
  const res = await runCli([...shardArgs(input, out), '--json'], { ms: 30_000 });
  assert.notEqual(res.code, 0, res.stderr);
  const results = jsonLines(res.stdout).filter((e) => e.event === 'result');
  const inFirst = results.filter((r) => (r.index as number) < 4);
  assert.equal(inFirst.length, 4, res.stdout);
  for (const r of inFirst) {
    assert.equal(r.status, 'failed', JSON.stringify(r));
    assert.equal((r.error as { code: string }).code, 'STORE_ERROR');
    assert.match((r.error as { message: string }).message, /000000\.parquet.*missing/);
  }
  assert.deepEqual(
    server.requests.slice(before).filter((r) => Number(/(\d+)\.bin$/.exec(r.url)?.[1]) < 4),
    [],
    'nothing of the complete shard is fetched',
  );
  assert.deepEqual(await fs.readFile(path.join(out, '000000.tar')), tar, 'the complete shard is kept');
});

test('a complete shard whose tar is gone is not complete: it is written again, the same', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  const input = await list(work);
  const first = await runCli(shardArgs(input, out), { ms: 60_000 });
  assert.equal(first.code, 0, first.stderr);
  const tar = await fs.readFile(path.join(out, '000000.tar'));
  await fs.rm(path.join(out, '000000.tar'));
  const before = server.requests.length;
  const res = await runCli([...shardArgs(input, out), '--json'], { ms: 30_000 });
  assert.equal(res.code, 0, res.stderr);
  const fetched = server.requests.slice(before).map((r) => Number(/(\d+)\.bin$/.exec(r.url)?.[1]));
  assert.deepEqual(
    fetched.sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7],
    'the shard without its tar is redone, and from it every later one',
  );
  assert.deepEqual(await fs.readFile(path.join(out, '000000.tar')), tar, 'written again, the same bytes');
  await assertWholeShards(out);
});

for (const blocked of ['000001.tar', '_stats.json']) {
  test(`a folder where the run's last file (${blocked}) goes: the run fails with a disk error, not an input error`, async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    await fs.mkdir(path.join(out, blocked, 'sub'), { recursive: true });
    const res = await runCli(shardArgs(await list(work, 6), out), { ms: 30_000 });
    assert.equal(res.code, 1, `a failure of the output, exit 1: ${res.stderr}`);
    assert.match(res.stderr, new RegExp(`cannot move .*${blocked.replace('.', '\\.')}.*EISDIR`), res.stderr);
    assert.doesNotMatch(res.stderr, /input error/, res.stderr);
    assert.ok((await fs.stat(path.join(out, blocked, 'sub'))).isDirectory(), 'the folder is left as it was');
  });
}

test('a folder that fills up while sharding: a DISK_ERROR, exit non-zero, no shard under a final name that is not whole', async (t) => {
  const disk = await fullDisk(200);
  t.diagnostic(`a full disk is ${disk.kind}`);
  try {
    const work = await tempDir();
    const res = await exited(disk.spawn([...shardArgs(await list(work), disk.dir), '-j', '4']), 60_000);
    assert.notEqual(res.code, 0, res.stderr);
    assert.match(res.stderr, /DISK_ERROR|no space left|file too large/i, res.stderr);
    assert.doesNotMatch(res.stderr, /\n\s+at .*\.js:\d+/, `a clear message, no stack: ${res.stderr}`);
    const tars = await assertWholeShards(disk.dir);
    // Every shard under a final name is complete: its index and stats are there too.
    for (const tar of tars) {
      const n = tar.slice(0, 6);
      assert.ok((await listFiles(disk.dir)).includes(`${n}_stats.json`), `${n} has its stats`);
    }
    assert.deepEqual(
      (await fs.readdir(disk.dir)).filter((n) => n.startsWith('.')),
      [],
      'no upload or spool left behind',
    );
  } finally {
    await disk.cleanup();
  }
});

test('regression: an item is reported ok only once its shard is whole; a shard that cannot be put in place fails its items', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  // The first shard cannot be renamed into place: a folder holds its name.
  await fs.mkdir(path.join(out, '000000.tar', 'sub'), { recursive: true });
  const report = path.join(work, 'report.jsonl');
  const res = await runCli([...shardArgs(await list(work), out), '--report', report], { ms: 30_000 });
  assert.equal(res.code, 1, res.stderr);
  const records = jsonLines(await fs.readFile(report, 'utf8'));
  assert.equal(records.length, count, 'every item has its one result');
  const first = records.filter((r) => Number(/\/f\/(\d+)\.bin$/.exec(String(r.url))?.[1]) < 4);
  assert.equal(first.length, 4);
  for (const r of first) {
    assert.notEqual(r.status, 'ok', `${String(r.url)} is not said to be in a shard that does not exist`);
    assert.equal((r.error as { code: string } | null)?.code, 'DISK_ERROR', JSON.stringify(r));
  }
});
