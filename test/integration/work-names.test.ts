import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { download } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, sha256, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const MiB = 1024 * 1024;

test("regression: files named like another item's .part or state file were reported ok and then removed", async () => {
  // A listing being mirrored can hold `v.bin` and a leftover upload `v.bin.part` side by side.
  const bodies = new Map([
    ['/v.bin', bytes(MiB, 1)],
    ['/v.bin.part', bytes(MiB / 2, 2)],
    ['/v.bin.part.state', bytes(600_000, 3)],
  ]);
  const server = await startServer((req, res) =>
    serveThrottled(req, res, bodies.get(req.url!)!, { rate: 4 * MiB, etag: `"${req.url}"` }),
  );
  try {
    const dir = await tempDir();
    const results = await download(
      [...bodies.keys()].map((p) => server.url(p)),
      { dir, checkpointMs: 20 },
    );
    for (const r of results) {
      assert.equal(r.status, 'ok', r.error?.message);
      const expected = bodies.get(new URL(r.url).pathname)!;
      assert.equal(sha256(await fs.readFile(r.path!)), sha256(expected), `${r.path} holds ${r.url}`);
    }
    assert.deepEqual(await listFiles(dir), ['v.1.bin.part', 'v.1.bin.part.state', 'v.bin']);

    // Given paths cannot be renamed: the one that would clash fails, the other is whole. (They
    // clash while both are held: on one event loop both are decided at once; a worker thread
    // starting could let the first finish before the second is decided.)
    const given = await tempDir();
    const clash = await download(
      [
        { url: server.url('/v.bin'), path: 'x.bin' },
        { url: server.url('/v.bin.part'), path: 'x.bin.part' },
      ],
      { dir: given, checkpointMs: 20, workers: 1 },
    );
    const failed = clash.filter((r) => r.status === 'failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.error?.code, 'UNSAFE_PATH');
    const ok = clash.find((r) => r.status === 'ok')!;
    assert.equal(sha256(await fs.readFile(ok.path!)), sha256(bodies.get(new URL(ok.url).pathname)!));
    assert.deepEqual(await listFiles(given), [path.basename(ok.path!)]);
  } finally {
    await server.close();
  }
});

test('regression: two paths to one file through a symlink inside dir were written at once; the ok one was then removed', async () => {
  const bodies = new Map([
    ['/1', bytes(MiB, 4)],
    ['/2', bytes(MiB, 5)],
  ]);
  const server = await startServer((req, res) =>
    serveThrottled(req, res, bodies.get(req.url!)!, { rate: 4 * MiB, etag: `"${req.url}"` }),
  );
  try {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'a'));
    await fs.symlink('a', path.join(dir, 'b'));
    const results = await download(
      [
        { url: server.url('/1'), path: 'a/x' },
        { url: server.url('/2'), path: 'b/x' },
      ],
      { dir },
    );
    // One destination given twice: one download, the other item finds it there (skipped).
    assert.deepEqual(results.map((r) => r.status).sort(), ['ok', 'skipped']);
    const ok = results.find((r) => r.status === 'ok')!;
    assert.equal(sha256(await fs.readFile(ok.path!)), sha256(bodies.get(new URL(ok.url).pathname)!));
    assert.deepEqual(await listFiles(dir), ['a/x', 'b']);
  } finally {
    await server.close();
  }
});
