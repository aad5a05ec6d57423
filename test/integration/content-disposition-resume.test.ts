import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Downloader, download } from '../../src/index.js';
import { fileSha256, listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, sha256, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const MiB = 1024 * 1024;

for (const split of [1, 4]) {
  test(`regression: a download named by Content-Disposition fetched the whole file again after an interruption (split ${split})`, async () => {
    const body = bytes(3 * MiB, 29);
    let served = 0;
    const server = await startServer((req, res) => {
      res.setHeader('content-disposition', 'attachment; filename="named.bin"');
      serveThrottled(req, res, body, { rate: 2 * MiB, etag: '"cd"', onSent: (n) => (served += n) });
    });
    try {
      const dir = await tempDir();
      const options = { dir, contentDisposition: true, checkpointMs: 50, split, minSplitSize: 128 * 1024 };
      const controller = new AbortController();
      const d = new Downloader([server.url('/get?id=7')], { ...options, signal: controller.signal });
      const run = d.run();
      await waitFor(() => d.stats().bytes > MiB, 10_000);
      controller.abort();
      await run;
      const before = served;

      const [r] = await download([server.url('/get?id=7')], options);
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(await fileSha256(path.join(dir, 'named.bin')), sha256(body));
      const again = served - before;
      assert.ok(again < body.length - 0.5 * MiB, `the re-run fetched ${again} bytes of ${body.length}`);
      assert.ok(
        server.requests.some((q) => q.headers['if-range'] === '"cd"'),
        'the re-run continued with If-Range',
      );
      assert.deepEqual(await listFiles(dir), ['named.bin']);
    } finally {
      await server.close();
    }
  });
}
