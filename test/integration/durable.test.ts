import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { download } from '../../src/index.js';
import { fileSha256, listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';

test('durable: small and large files alike are written through the synced path and are right', async () => {
  const bodies = [1, 10, 1000, 40_000, 300_000].map((n, i) => bytes(n, 40 + i));
  const server = await startServer((req, res) =>
    serveBody(req, res, bodies[Number(/\d+/.exec(req.url!)![0])]!),
  );
  try {
    const dir = await tempDir();
    const results = await download(
      bodies.map((_, i) => server.url(`/d${i}.bin`)),
      { dir, durable: true },
    );
    assert.deepEqual(
      results.map((r) => r.status),
      bodies.map(() => 'ok'),
    );
    for (const [i, b] of bodies.entries()) {
      assert.equal(await fileSha256(path.join(dir, `d${i}.bin`)), sha256(b));
    }
    assert.deepEqual(await listFiles(dir), bodies.map((_, i) => `d${i}.bin`).sort());
  } finally {
    await server.close();
  }
});
