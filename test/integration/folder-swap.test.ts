import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { download } from '../../src/index.js';
import { fileSha256, listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, sha256, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const KiB = 1024;
const linux = process.platform === 'linux' && existsSync('/proc/self/fd');

test(
  'regression: a sub-folder swapped for a symlink to outside during the run gets nothing written outside',
  { skip: !linux && 'only Linux tells where an open file is; elsewhere the folder is checked once per run' },
  async (t) => {
    // 30 files long enough to be open across the swap, then 10 small ones written in one burst.
    const sizes = [...Array<number>(30).fill(300 * KiB), ...Array<number>(10).fill(10 * KiB)];
    const bodies = sizes.map((n, i) => bytes(n, 100 + i));
    let served = 0;
    const server = await startServer((req, res) => {
      const i = Number(/\d+/.exec(req.url ?? '')?.[0]);
      serveThrottled(req, res, bodies[i]!, { rate: 300 * KiB, etag: `"${i}"`, onSent: (n) => (served += n) });
    });
    try {
      const root = await tempDir();
      const outside = await tempDir();
      const items = bodies.map((_, i) => ({ url: server.url(`/f${i}.bin`), path: `sub/f${i}.bin` }));
      const run = download(items, { dir: root, concurrency: 10, checkpointMs: 50 });
      // Mid-run: the real folder is moved away (inside the root) and `sub` becomes a link out.
      await waitFor(() => served >= 3500 * KiB, 20_000);
      await fs.rename(path.join(root, 'sub'), path.join(root, 'moved'));
      await fs.symlink(outside, path.join(root, 'sub'));
      const results = await run;

      assert.deepEqual(await listFiles(outside), [], 'nothing of ours is left outside');
      const ok = results.filter((r) => r.status === 'ok');
      const failed = results.filter((r) => r.status !== 'ok');
      assert.ok(ok.length > 0, 'files finished before the swap are ok');
      assert.ok(failed.length > 0, 'files finished after the swap are not');
      t.diagnostic(`${ok.length} ok before the swap, ${failed.length} refused after it`);
      for (const r of ok) {
        // Reported ok: the file is where the folder really went, inside the root, and right.
        const real = path.join(root, 'moved', path.basename(r.path!));
        assert.equal(await fileSha256(real), sha256(bodies[r.index]!), `${r.path} is right`);
      }
      for (const r of failed) assert.equal(r.error?.code, 'UNSAFE_PATH', `${r.path}: ${r.error?.message}`);
    } finally {
      await server.close();
    }
  },
);
