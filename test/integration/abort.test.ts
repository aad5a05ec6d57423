import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { download, Downloader } from '../../src/index.js';
import { listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';

test('abort cancels in-flight and queued items: ABORTED results, no final files, no open sockets', async () => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-length': 1_000_000, etag: '"e"', 'accept-ranges': 'bytes' });
    res.write(Buffer.alloc(1000)); // then stall forever
  });
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  process.on('unhandledRejection', onUnhandled);
  try {
    const dir = await tempDir();
    const controller = new AbortController();
    const items = Array.from({ length: 10 }, (_, i) => ({ url: server.url(`/${i}`), path: `${i}.bin` }));
    const d = new Downloader(items, { dir, concurrency: 3, signal: controller.signal });
    const pending = d.run();
    await waitFor(() => d.stats().bytes >= 3000);
    controller.abort();
    const summary = await pending;
    assert.equal(summary.aborted, true);
    assert.equal(summary.failed, 10);
    assert.deepEqual(summary.failuresByCode, { ABORTED: 10 });
    const files = await listFiles(dir);
    assert.deepEqual(
      files.filter((f) => !f.endsWith('.part') && !f.endsWith('.part.state')),
      [],
      'nothing under a final name',
    );
    assert.deepEqual(
      files,
      ['0.bin.part', '0.bin.part.state', '1.bin.part', '1.bin.part.state', '2.bin.part', '2.bin.part.state'],
      'in-flight items keep their partial file and its resume state',
    );
    await waitFor(() => server.open() === 0, 2000);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await server.close();
  }
});

test('an already aborted signal resolves at once with every item ABORTED', async () => {
  const results = await download(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b'], {
    dir: await tempDir(),
    signal: AbortSignal.abort(),
  });
  // Items are read lazily; those read before the abort was seen are reported.
  for (const r of results) assert.equal(r.error?.code, 'ABORTED');
});

test(
  'regression: a consumer that falls behind the results does not stall the run',
  { timeout: 20_000 },
  async () => {
    // 700 items that fail at once (not http): results pile up faster than the consumer takes them.
    const items = Array.from({ length: 700 }, (_, i) => `ftp://example.invalid/${i}`);
    const d = new Downloader(items, { dir: await tempDir() });
    let seen = 0;
    for await (const r of d) {
      assert.equal(r.error?.code, 'INVALID_URL');
      seen++;
      if (seen <= 300) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(seen, items.length);
  },
);

test("a run leaves no listener on the caller's signal", async () => {
  const controller = new AbortController();
  for (let i = 0; i < 3; i++) {
    await download(['ftp://example.invalid/x'], { dir: await tempDir(), signal: controller.signal });
  }
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});
