import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PrefixHasher } from '../../src/download/prefix-hash.js';
import { planSegments, SegmentTable } from '../../src/download/segments.js';
import { DiskError } from '../../src/errors/index.js';
import { FileSink } from '../../src/storage/file-sink.js';
import { tempDir } from '../helpers/fs.js';
import { bytes } from '../helpers/server.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Writes `body` through a sink as the segments of `table` would, in the given order of pieces. */
async function fill(body: Buffer, order: number[], pieces: number, onTheWay = false) {
  const file = path.join(await tempDir(), 'f.part');
  const sink = await FileSink.open(file, { truncate: true, minBatch: 64 * 1024 });
  await sink.truncate(body.length);
  const table = new SegmentTable(body.length, [], planSegments([[0, body.length]], pieces, 1), {
    minBytes: 1,
    minMs: 0,
  });
  const segments = Array.from({ length: pieces }, () => table.take(0)!);
  const hasher = new PrefixHasher(sink, table);
  let reads = 0;
  const read = sink.read.bind(sink);
  sink.read = (...args: Parameters<typeof read>) => {
    reads++;
    return read(...args);
  };
  for (const i of order) {
    const seg = segments[i]!;
    for (let at = seg.start; at < seg.end; at += 256 * 1024) {
      const chunk = body.subarray(at, Math.min(seg.end, at + 256 * 1024));
      if (onTheWay) hasher.wrote(chunk, at);
      sink.write(chunk, at);
      seg.pos += chunk.length;
      hasher.advance(chunk.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  // The hasher reads back through the sink's descriptor: flushed, still open.
  await sink.flush();
  return { hasher, file, sink, reads: () => reads };
}

describe('PrefixHasher', () => {
  test('the digest is the whole file, whatever order the ranges arrive in', async () => {
    const body = bytes(40 * MiB + 123, 7);
    for (const order of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [1, 3, 0, 2],
    ]) {
      const { hasher, sink } = await fill(body, order, 4);
      try {
        assert.equal(await hasher.finish(), sha(body), `order ${order.join(',')}`);
      } finally {
        await hasher.close();
        await sink.close();
      }
    }
  });

  test('bytes shown on their way to the file in order are hashed then, never read back', async () => {
    const body = bytes(20 * MiB + 5, 8);
    const { hasher, sink, reads } = await fill(body, [0], 1, true);
    try {
      assert.equal(await hasher.finish(), sha(body));
      assert.equal(reads(), 0);
    } finally {
      await hasher.close();
      await sink.close();
    }
    for (const order of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [1, 3, 0, 2],
    ]) {
      const ranged = await fill(body, order, 4, true);
      try {
        assert.equal(await ranged.hasher.finish(), sha(body), `order ${order.join(',')}`);
      } finally {
        await ranged.hasher.close();
        await ranged.sink.close();
      }
    }
  });

  test('a file shorter than its ranges say is a disk error, not a wrong digest', async () => {
    const body = bytes(20 * MiB, 8);
    const { hasher, file, sink } = await fill(body, [0, 1], 2);
    await fs.truncate(file, 10 * MiB);
    try {
      await assert.rejects(hasher.finish(), DiskError);
    } finally {
      await hasher.close();
      await sink.close();
    }
  });
});
