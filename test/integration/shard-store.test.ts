import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FileStore } from '../../src/storage/file-store.js';
import { ShardStore, type ShardStoreOptions } from '../../src/storage/shards/shard-store.js';
import type { ItemOutcome, Placement } from '../../src/storage/store.js';
import { listFiles, settlesWithin, tempDir } from '../helpers/fs.js';
import { bytes } from '../helpers/server.js';
import { duckdb, parquetRows, requireGnuTar, tarList, tarMember } from '../helpers/shards.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** One input item and how it ends, as the engine would see it. */
interface Item {
  status: ItemOutcome['status'];
  body?: Buffer;
  name?: string;
  contentType?: string;
  key?: string;
  fields?: Record<string, unknown>;
  /** A first attempt that breaks off (aborted) before the one that succeeds. */
  retried?: boolean;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Ten items: a failure, a skip, a large item, keys given and not, JSON data, a retry. */
function items(): Item[] {
  return [
    {
      status: 'ok',
      body: bytes(1000, 1),
      name: 'a/cat.JPG',
      contentType: 'image/jpeg',
      fields: { caption: 'a cat' },
    },
    { status: 'failed' },
    { status: 'ok', body: bytes((3 * MiB) / 2, 2), name: 'big', contentType: 'video/mp4', key: 'big.one' },
    { status: 'ok', body: Buffer.from('{"x":1}'), name: 'doc.json', retried: true },
    { status: 'ok', body: bytes(10, 4), name: 'noext' },
    { status: 'skipped' },
    { status: 'ok', body: bytes(2000, 6), name: 'p.png', key: 'dup' },
    { status: 'ok', body: bytes(300, 7), name: 'q.png', key: 'dup' },
    { status: 'ok', body: Buffer.alloc(0), name: 'empty.txt' },
    { status: 'failed' },
  ];
}

/** A fixed shuffle of 0..n-1 (seeded), so uploads and outcomes arrive out of order. */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function outcome(i: number, item: Item): ItemOutcome {
  const ok = item.status === 'ok';
  return {
    index: i,
    url: `http://127.0.0.1/item/${i}`,
    status: item.status,
    bytes: item.body?.length ?? 0,
    sha256: ok && item.body ? sha(item.body) : undefined,
    errorCode: item.status === 'failed' ? 'HTTP_404' : undefined,
    ms: 5,
    key: item.key,
    fields: item.fields,
  };
}

/**
 * Drives a store the way the engine does: each item, in `order`, is uploaded (in 64 KiB chunks,
 * with backpressure) and committed, then its outcome handed over without waiting. `skipDone`
 * items are placed as skipped with no upload when `stat` finds them. Resolves with the indices
 * in the order their placements resolved, and the placements. `first`: the input's index of
 * `list[0]` (a part of a larger input), which the items' URLs are numbered from.
 */
async function drive(store: ShardStore, list: Item[], order: number[], skipDone = false, first = 0) {
  const resolved: number[] = [];
  const placements = new Map<number, Placement>();
  const placed: Array<Promise<void>> = [];
  for (const i of order) {
    const item = list[i]!;
    let out = { ...outcome(first + i, item), index: i };
    const found = skipDone ? await store.stat({ index: i, name: item.name ?? String(i) }) : undefined;
    if (found) out = { ...out, status: found.failed === undefined ? 'skipped' : 'failed' };
    else if (item.status === 'ok' && item.body) {
      const target = {
        index: i,
        name: item.name ?? `item${i}`,
        url: out.url,
        contentType: item.contentType,
        key: item.key,
      };
      if (item.retried) {
        const first = await store.open(target);
        first.write(item.body.subarray(0, 3));
        await first.abort();
      }
      const up = await store.open({ ...target, size: item.body.length > MiB ? item.body.length : undefined });
      for (let at = 0; at < item.body.length; at += 64 * KiB) {
        if (!up.write(Buffer.from(item.body.subarray(at, at + 64 * KiB)))) await up.drained();
      }
      await up.commit(out.sha256);
    }
    placed.push(
      store.place(out).then((p) => {
        resolved.push(i);
        placements.set(i, p);
      }),
    );
  }
  await settlesWithin(Promise.all(placed), 30_000);
  return { resolved, placements };
}

async function shardRun(dir: string, options: Partial<ShardStoreOptions> = {}, seed = 1, list = items()) {
  const store = new ShardStore({ base: new FileStore(dir), shardItems: 4, ...options });
  const result = await drive(store, list, shuffled(list.length, seed));
  assert.equal(store.pending, 0);
  await store.close();
  return result;
}

const member = tarMember;

describe('ShardStore over a FileStore', () => {
  let duck: DuckDBConnection;
  before(async () => {
    requireGnuTar();
    duck = await duckdb();
  });
  after(() => duck?.closeSync());

  const parquet = (file: string) => parquetRows(duck, file);

  test('shards in index order, readable by GNU tar and DuckDB, placements resolved in index order', async () => {
    const dir = await tempDir();
    const spoolDir = await tempDir();
    const list = items();
    const { resolved, placements } = await shardRun(dir, { spoolDir }, 1, list);
    assert.deepEqual(
      resolved,
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.deepEqual(await listFiles(spoolDir), [], 'the spool is removed at close');
    assert.deepEqual(await listFiles(dir), [
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
    const shard0 = path.join(dir, '000000.tar');
    const listing = await tarList(shard0);
    assert.deepEqual(
      listing.map((l) => l.split(/\s+/).pop()),
      [
        '000000000.jpg',
        '000000000.json',
        'big_one.mp4',
        'big_one.json',
        '000000003.data.json',
        '000000003.json',
      ],
    );
    for (const line of listing) assert.match(line, /^-rw-r--r-- 0\/0 .* 1970-01-01 00:00 /);
    assert.deepEqual(await member(shard0, 'big_one.mp4'), list[2]!.body);
    assert.deepEqual(await member(shard0, '000000003.data.json'), list[3]!.body);
    const meta = JSON.parse((await member(shard0, '000000000.json')).toString());
    assert.deepEqual(Object.keys(meta), [
      'key',
      'url',
      'status',
      'sha256',
      'size',
      'content_type',
      'caption',
    ]);
    assert.deepEqual(meta, {
      key: '000000000',
      url: 'http://127.0.0.1/item/0',
      status: 'ok',
      sha256: sha(list[0]!.body!),
      size: 1000,
      content_type: 'image/jpeg',
      caption: 'a cat',
    });
    const shard1 = path.join(dir, '000001.tar');
    assert.deepEqual(
      (await tarList(shard1)).map((l) => l.split(/\s+/).pop()),
      ['000000004.bin', '000000004.json', 'dup.png', 'dup.json', 'dup_000000007.png', 'dup_000000007.json'],
    );
    assert.deepEqual(await member(shard1, 'dup_000000007.png'), list[7]!.body);
    assert.deepEqual(
      (await tarList(path.join(dir, '000002.tar'))).map((l) => l.split(/\s+/).pop()),
      ['000000008.txt', '000000008.json'],
    );
    // Each placement says when its shard is whole: by then, every one of them is.
    const { whole: whole2, ...at2 } = placements.get(2)!;
    const { whole: whole1, ...at1 } = placements.get(1)!;
    assert.deepEqual(at2, { location: shard0, key: 'big_one' });
    assert.deepEqual(at1, { location: undefined, key: '000000001' });
    await settlesWithin(Promise.all([whole1, whole2]), 1000);

    const rows = await parquet(path.join(dir, '000000.parquet'));
    assert.deepEqual(
      rows.map((r) => [r.index, r.key, r.status, r.error_code, r.bytes, r.shard]),
      [
        [0, '000000000', 'ok', null, 1000, '000000.tar'],
        [1, '000000001', 'failed', 'HTTP_404', 0, '000000.tar'],
        [2, 'big_one', 'ok', null, (3 * MiB) / 2, '000000.tar'],
        [3, '000000003', 'ok', null, 7, '000000.tar'],
      ],
    );
    assert.equal(rows[2]!.sha256, sha(list[2]!.body!));
    assert.equal(rows[0]!.content_type, 'image/jpeg');
    assert.equal(rows[1]!.sha256, null);
    assert.equal(rows[0]!.url, 'http://127.0.0.1/item/0');
    assert.equal(rows[0]!.ms, 5);
    const rows1 = await parquet(path.join(dir, '000001.parquet'));
    assert.deepEqual(
      rows1.map((r) => r.status),
      ['ok', 'skipped', 'ok', 'ok'],
    );

    const stats0 = JSON.parse(await fs.readFile(path.join(dir, '000000_stats.json'), 'utf8'));
    assert.deepEqual(stats0, {
      count: 4,
      ok: 3,
      failed: 1,
      bytes: 1000 + (3 * MiB) / 2 + 7,
      first_index: 0,
      last_index: 3,
    });
    const runStats = JSON.parse(await fs.readFile(path.join(dir, '_stats.json'), 'utf8'));
    assert.equal(runStats.shards, 3);
    assert.equal(runStats.items, 10);
    assert.equal(runStats.ok, 7);
    assert.equal(runStats.failed, 2);
    assert.match(runStats.started, /^\d{4}-\d\d-\d\dT/);
    assert.match(runStats.ended, /^\d{4}-\d\d-\d\dT/);
  });

  test('a large item waits in a spool file on local disk, not in memory', async () => {
    const dir = await tempDir();
    const spoolDir = await tempDir();
    const store = new ShardStore({ base: new FileStore(dir), spoolDir });
    const body = bytes(2 * MiB, 9);
    const up = await store.open({ index: 1, name: 'x.bin', url: 'http://h/1' });
    for (let at = 0; at < body.length; at += 64 * KiB) {
      if (!up.write(Buffer.from(body.subarray(at, at + 64 * KiB)))) await up.drained();
    }
    await up.commit(undefined);
    const spooled = await listFiles(spoolDir);
    assert.equal(spooled.length, 1);
    assert.equal((await fs.stat(path.join(spoolDir, spooled[0]!))).size, body.length);
    const later = store.place({ index: 1, url: 'http://h/1', status: 'ok', bytes: body.length, ms: 1 });
    assert.equal(store.pending, 1, 'item 1 waits for item 0');
    await store.place({
      index: 0,
      url: 'http://h/0',
      status: 'failed',
      bytes: 0,
      ms: 1,
      errorCode: 'HTTP_500',
    });
    await later;
    await store.close();
    assert.deepEqual(await member(path.join(dir, '000000.tar'), '000000001.bin'), body);
    assert.deepEqual(await listFiles(spoolDir), []);
  });

  test('items waiting past the memory budget go to spool files; the shard is the same', async () => {
    const dir = await tempDir();
    const spoolDir = await tempDir();
    const store = new ShardStore({
      base: new FileStore(dir),
      spoolDir,
      spoolMemory: { itemMemory: 1000, totalMemory: 1500 },
    });
    const list = [bytes(800, 1), bytes(800, 2), bytes(800, 3)];
    const placed = [];
    for (const i of [2, 1, 0]) {
      const up = await store.open({ index: i, name: `${i}.bin`, url: `http://h/${i}` });
      up.write(list[i]!.subarray(0, 400));
      if (!up.write(list[i]!.subarray(400))) await up.drained();
      await up.commit(undefined);
      if (i === 1) assert.equal((await listFiles(spoolDir)).length, 1, 'the second item is past the budget');
      placed.push(store.place({ index: i, url: `http://h/${i}`, status: 'ok', bytes: 800, ms: 1 }));
    }
    await settlesWithin(Promise.all(placed), 10_000);
    await store.close();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await member(path.join(dir, '000000.tar'), `00000000${i}.bin`), list[i]);
    }
    assert.deepEqual(await listFiles(spoolDir), []);
  });

  test('the same input with the same responses makes byte-identical tar shards, whatever the order', async () => {
    const a = await tempDir();
    const b = await tempDir();
    await shardRun(a, {}, 1);
    await shardRun(b, {}, 77);
    for (const n of ['000000', '000001', '000002']) {
      assert.deepEqual(
        await fs.readFile(path.join(a, `${n}.tar`)),
        await fs.readFile(path.join(b, `${n}.tar`)),
      );
    }
  });

  test('shards roll by bytes: a shard ends before the item that would pass shardBytes', async () => {
    const dir = await tempDir();
    const list: Item[] = [
      { status: 'ok', body: bytes(100, 1) },
      { status: 'failed' },
      { status: 'ok', body: bytes(100, 2) },
      { status: 'ok', body: bytes(100, 3) },
      { status: 'ok', body: bytes(500, 4) },
      { status: 'ok', body: bytes(10, 5) },
    ];
    await shardRun(dir, { shardItems: 100, shardBytes: 250 }, 3, list);
    const counts = [];
    for (let n = 0; n < 4; n++) {
      counts.push(JSON.parse(await fs.readFile(path.join(dir, `00000${n}_stats.json`), 'utf8')));
    }
    assert.deepEqual(
      counts.map((s) => [s.first_index, s.last_index, s.bytes]),
      [
        [0, 2, 200],
        [3, 3, 100],
        [4, 4, 500],
        [5, 5, 10],
      ],
    );
  });

  test('resume: complete shards are kept and answer stat; an incomplete shard is redone whole and identical', async () => {
    const reference = await tempDir();
    await shardRun(reference, {}, 1);
    const dir = await tempDir();
    const list = items();
    // The first run writes shards 0 and 1 and stops inside shard 2.
    const first = new ShardStore({ base: new FileStore(dir), shardItems: 4 });
    await drive(first, list, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await first.destroy();
    assert.deepEqual(
      (await listFiles(dir)).filter((f) => f.startsWith('000002')),
      [],
    );
    // An earlier crash left shard 2's tar but not its stats: it is not complete.
    await fs.writeFile(path.join(dir, '000002.tar'), 'a stale shard');

    const second = new ShardStore({ base: new FileStore(dir), shardItems: 4 });
    assert.deepEqual(await second.stat({ index: 2, name: 'big' }), {
      location: path.join(dir, '000000.tar'),
      size: (3 * MiB) / 2,
      sha256: sha(list[2]!.body!),
    });
    assert.deepEqual(
      await second.stat({ index: 1, name: 'x' }),
      { location: path.join(dir, '000000.tar'), size: 0, failed: 'HTTP_404' },
      'a failure in a complete shard stays failed there, with its code',
    );
    assert.equal(await second.stat({ index: 8, name: 'x' }), undefined, 'shard 2 is not complete');
    const { placements } = await drive(second, list, shuffled(10, 5), true);
    assert.deepEqual(placements.get(7), { location: path.join(dir, '000001.tar'), key: 'dup_000000007' });
    await second.close();
    for (const n of ['000000', '000001', '000002']) {
      assert.deepEqual(
        await fs.readFile(path.join(dir, `${n}.tar`)),
        await fs.readFile(path.join(reference, `${n}.tar`)),
      );
    }
    const runStats = JSON.parse(await fs.readFile(path.join(dir, '_stats.json'), 'utf8'));
    assert.deepEqual([runStats.shards, runStats.items, runStats.ok], [3, 10, 7]);
  });

  test('parts of one input, each written as one shard by its own store, are the shards one store writes', async () => {
    const reference = await tempDir();
    await shardRun(reference, {}, 1);
    const dir = await tempDir();
    const list = items();
    // In reverse, as workers on many machines may finish them.
    for (const [shard, index] of [
      [2, 8],
      [0, 0],
      [1, 4],
    ] as const) {
      const part = list.slice(index, index + 4);
      const store = new ShardStore({ base: new FileStore(dir), part: { shard, index } });
      await drive(store, part, shuffled(part.length, shard + 3), false, index);
      await store.close();
    }
    assert.deepEqual(
      await listFiles(dir),
      ['000000', '000001', '000002'].flatMap((n) => [`${n}.parquet`, `${n}.tar`, `${n}_stats.json`]),
      "the shards, and no run's _stats.json: a part does not sum up the run",
    );
    for (const n of ['000000', '000001', '000002']) {
      assert.deepEqual(
        await fs.readFile(path.join(dir, `${n}.tar`)),
        await fs.readFile(path.join(reference, `${n}.tar`)),
        `${n}.tar`,
      );
    }
    // A part written again finds its shard complete: an index counted within the part.
    const again = new ShardStore({ base: new FileStore(dir), part: { shard: 1, index: 4 } });
    assert.deepEqual(await again.stat({ index: 3, name: 'q.png' }), {
      location: path.join(dir, '000001.tar'),
      size: 300,
      sha256: sha(list[7]!.body!),
    });
    await again.destroy();
    // And one store over the whole input finds all three complete.
    const whole = new ShardStore({ base: new FileStore(dir), shardItems: 4 });
    assert.deepEqual(await whole.stat({ index: 9, name: 'x' }), {
      location: path.join(dir, '000002.tar'),
      size: 0,
      failed: 'HTTP_404',
    });
    await whole.destroy();
  });

  test('a cancelled item: its shard never appears under a final name, and every placement resolves', async () => {
    const dir = await tempDir();
    const list = items();
    list[5] = { status: 'cancelled' };
    const store = new ShardStore({ base: new FileStore(dir), shardItems: 4 });
    const { placements } = await drive(store, list, shuffled(10, 2));
    assert.deepEqual(placements.get(9), {});
    assert.deepEqual(placements.get(6), {});
    await store.destroy();
    assert.deepEqual(await listFiles(dir), ['000000.parquet', '000000.tar', '000000_stats.json']);
  });

  test('a base that cannot be written rejects place, never hangs', async () => {
    const parent = await tempDir();
    const blocked = path.join(parent, 'file');
    await fs.writeFile(blocked, 'a file where the shard folder should be');
    const store = new ShardStore({ base: new FileStore(blocked), shardItems: 4 });
    const p0 = store.place({ index: 0, url: 'u', status: 'failed', bytes: 0, ms: 0 });
    const p1 = store.place({ index: 1, url: 'u', status: 'failed', bytes: 0, ms: 0 });
    await assert.rejects(settlesWithin(p0, 10_000), { code: 'DISK_ERROR' });
    await assert.rejects(settlesWithin(p1, 10_000), { code: 'DISK_ERROR' });
    await assert.rejects(store.place({ index: 2, url: 'u', status: 'failed', bytes: 0, ms: 0 }), {
      code: 'DISK_ERROR',
    });
    await assert.rejects(store.close(), { code: 'DISK_ERROR' });
  });
});

describe('FileStore', () => {
  test('an upload appears whole at commit; an aborted one leaves nothing', async () => {
    const dir = await tempDir();
    const store = new FileStore(dir);
    const up = await store.open({ index: 0, name: 'sub/a.bin', url: 'u' });
    up.write(Buffer.from('hello '));
    assert.equal(
      await store.stat({ index: 0, name: 'sub/a.bin' }),
      undefined,
      'nothing visible before commit',
    );
    up.write(Buffer.from('world'));
    assert.equal(await up.commit(undefined), path.join(dir, 'sub/a.bin'));
    assert.deepEqual(await store.stat({ index: 0, name: 'sub/a.bin' }), {
      location: path.join(dir, 'sub/a.bin'),
      size: 11,
    });
    assert.equal(Buffer.from((await store.read('sub/a.bin'))!).toString(), 'hello world');
    assert.equal(await store.read('missing'), undefined);

    // Regression: an abort while a write was under way waited for ever (FileSink.discard).
    const dropped = await store.open({ index: 1, name: 'sub/b.bin', url: 'u' });
    dropped.write(bytes(300 * KiB, 3));
    await dropped.abort();
    await dropped.abort();
    await store.close();
    assert.deepEqual(await listFiles(dir), ['sub/a.bin']);
  });

  test('a name leaving the folder is refused', async () => {
    const store = new FileStore(await tempDir());
    await assert.rejects(store.open({ index: 0, name: '../x', url: 'u' }), { code: 'UNSAFE_PATH' });
    assert.throws(() => store.locate('/etc/passwd'), { code: 'UNSAFE_PATH' });
  });
});
