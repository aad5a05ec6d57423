import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DiskError } from '../../src/errors/index.js';
import { FileSink } from '../../src/storage/file-sink.js';
import { settlesWithin, tempDir } from '../helpers/fs.js';
import { bytes } from '../helpers/server.js';

const KiB = 1024;

async function sinkIn(options: { highWaterMark?: number; minBatch?: number } = {}) {
  const file = path.join(await tempDir(), 'f.part');
  return { file, sink: await FileSink.open(file, { truncate: true, ...options }) };
}

describe('FileSink', () => {
  test('regression: discard while a write is under way ends (it once waited forever)', async () => {
    for (let round = 0; round < 20; round++) {
      const { file, sink } = await sinkIn({ minBatch: 1 });
      // The first chunk starts a write at once; the others wait behind it and are dropped.
      for (let i = 0; i < 8; i++) sink.write(bytes(256 * KiB, i + round), i * 256 * KiB);
      await settlesWithin(sink.discard(), 5000);
      assert.equal(existsSync(file), false, `round ${round}`);
    }
  });

  // A power loss cannot be staged here. What can be checked is the order the guarantee rests
  // on: the real sync (fdatasync) runs, on the complete data, while the file still has its
  // temporary name, and the rename comes after it.
  test('regression: commit syncs the complete data to the device before the rename', async () => {
    const body = bytes(100 * KiB, 6);
    const { file, sink } = await sinkIn({ minBatch: 1024 * KiB });
    const final = file.replace(/\.part$/, '');
    const seen: string[] = [];
    const sync = sink.sync.bind(sink);
    sink.sync = async () => {
      seen.push(`sync ${existsSync(file) ? 'part' : 'final'} ${(await fs.stat(file)).size}`);
      await sync();
    };
    sink.write(body, 0);
    await sink.commit(final);
    assert.deepEqual(seen, [`sync part ${body.length}`]);
    assert.deepEqual(await fs.readFile(final), body);
    assert.equal(existsSync(file), false);
  });

  test('commit(path, false) renames without a sync (small files, unless durable)', async () => {
    const { file, sink } = await sinkIn();
    let synced = 0;
    sink.sync = async () => void synced++;
    sink.write(Buffer.from('small'), 0);
    await sink.commit(file.replace(/\.part$/, ''), false);
    assert.equal(synced, 0);
  });

  test('chunks land at their offsets, in any order', async () => {
    const body = bytes(300 * KiB, 5);
    const { file, sink } = await sinkIn({ minBatch: 64 * KiB });
    // Three ranges, the last first, each in uneven chunks.
    for (const [start, end] of [
      [200 * KiB, 300 * KiB],
      [0, 100 * KiB],
      [100 * KiB, 200 * KiB],
    ] as const) {
      for (let at = start; at < end; at += 7777) sink.write(body.subarray(at, Math.min(end, at + 7777)), at);
    }
    await sink.close();
    assert.deepEqual(await fs.readFile(file), body);
  });

  test('small writes wait for a batch; flush writes them', async () => {
    const { file, sink } = await sinkIn({ minBatch: 1024 * KiB });
    sink.write(Buffer.from('hello '), 0);
    sink.write(Buffer.from('world'), 6);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await fs.stat(file)).size, 0, 'nothing written below the batch size');
    await sink.flush();
    assert.equal(await fs.readFile(file, 'utf8'), 'hello world');
    await sink.close();
  });

  test('a batch is written without being asked once minBatch bytes wait', async () => {
    const { file, sink } = await sinkIn({ minBatch: 64 * KiB });
    const body = bytes(64 * KiB, 9);
    sink.write(body.subarray(0, 32 * KiB), 0);
    sink.write(body.subarray(32 * KiB), 32 * KiB);
    const until = Date.now() + 5000;
    while ((await fs.stat(file)).size < body.length && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(await fs.readFile(file), body);
    await sink.close();
  });

  test('barrier waits for the writes queued before it', async () => {
    const { file, sink } = await sinkIn({ minBatch: 1024 * KiB });
    sink.write(Buffer.from('abc'), 0);
    await sink.barrier();
    assert.equal(await fs.readFile(file, 'utf8'), 'abc');
    await sink.close();
  });

  test('backpressure: write says to wait past the high-water mark; drained resolves', async () => {
    const { file, sink } = await sinkIn({ highWaterMark: 128 * KiB, minBatch: 16 * KiB });
    const chunk = bytes(64 * KiB, 1);
    assert.equal(sink.write(chunk, 0), true);
    assert.equal(sink.write(chunk, 64 * KiB), false);
    await sink.drained();
    await sink.close();
    assert.equal((await fs.stat(file)).size, 128 * KiB);
  });

  test('close with discard drops what waits', async () => {
    const { file, sink } = await sinkIn({ minBatch: 1024 * KiB });
    sink.write(Buffer.from('dropped'), 0);
    await sink.close(true);
    assert.equal((await fs.stat(file)).size, 0);
  });

  test(
    'a write that fails is a DiskError, for flush and for the next write',
    { skip: !existsSync('/dev/full') && 'no /dev/full here' },
    async () => {
      const sink = await FileSink.open('/dev/full', { truncate: false, minBatch: 1 }); // every write: ENOSPC
      sink.write(Buffer.from('x'), 0);
      await assert.rejects(
        sink.flush(),
        (err: unknown) => err instanceof DiskError && err.code === 'DISK_ERROR',
      );
      assert.throws(() => sink.write(Buffer.from('y'), 1), DiskError);
      await sink.close(true);
    },
  );
});
