import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { buildClientWith } from '../../src/engine/downloader.js';
import { download, Downloader, type RunSummary } from '../../src/index.js';
import { listFiles, settlesWithin, tempDir, waitFor } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';

test('abort cancels in-flight and queued items: cancelled results (ABORTED), no final files, no open sockets', async () => {
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
    assert.equal(summary.failed, 0, 'items the abort stopped are not failures');
    assert.equal(summary.cancelled, 10);
    assert.equal(summary.notStarted, 7, 'three were in flight, seven had not started');
    assert.deepEqual(summary.failuresByCode, {});
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

test('download() with an already aborted signal answers every item cancelled (ABORTED), without a request', async () => {
  const server = await startServer((_req, res) => void res.end('x'));
  try {
    // A lazy input longer than the look-ahead: download() reads it all to answer each item.
    function* items() {
      for (let i = 0; i < 600; i++) yield server.url(`/${i}`);
    }
    const results = await download(items(), { dir: await tempDir(), signal: AbortSignal.abort() });
    assert.equal(results.length, 600, 'one result per item');
    results.forEach((r, i) => {
      assert.equal(r.index, i);
      assert.equal(r.status, 'cancelled');
      assert.equal(r.error?.code, 'ABORTED');
      assert.equal(r.attempts, 0);
    });
    assert.equal(server.requests.length, 0);
  } finally {
    await server.close();
  }
});

test('download() aborted mid-run still answers every item: done ones ok, the rest cancelled', async () => {
  const server = await startServer((req, res) => {
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': 100 });
      res.write('x'); // and nothing more
      return;
    }
    res.end('x');
  });
  try {
    const controller = new AbortController();
    const urls = [
      server.url('/a'),
      server.url('/stall'),
      ...Array.from({ length: 400 }, (_, i) => server.url(`/q${i}`)),
    ];
    const pending = download(urls, {
      dir: await tempDir(),
      concurrency: 2,
      perHost: 2,
      signal: controller.signal,
    });
    await waitFor(() => server.requests.some((q) => q.url === '/stall'), 5000);
    controller.abort();
    const results = await pending;
    assert.equal(results.length, urls.length);
    assert.ok(results.every((r) => r.status === 'ok' || r.status === 'cancelled'));
    assert.equal(results[1]!.status, 'cancelled');
    assert.equal(results.at(-1)!.status, 'cancelled');
    assert.equal(results.at(-1)!.attempts, 0);
  } finally {
    await server.close();
  }
});

test(
  'a Downloader aborted before it starts reads none of an endless input and ends',
  { timeout: 10_000 },
  async () => {
    let read = 0;
    function* endless() {
      for (;;) {
        read++;
        yield 'http://127.0.0.1:9/x';
      }
    }
    const d = new Downloader(endless(), { dir: await tempDir(), signal: AbortSignal.abort() });
    const summary = await d.run();
    assert.equal(summary.aborted, true);
    assert.equal(read, 0);
  },
);

test(
  'break out of for await stops the run: in-flight cancelled, end emitted, .part kept, nothing started after',
  { timeout: 20_000 },
  async () => {
    const server = await startServer((req, res) => {
      if (req.url!.startsWith('/slow')) {
        res.writeHead(200, { 'content-length': 100_000, etag: '"e"', 'accept-ranges': 'bytes' });
        res.write(Buffer.alloc(1000)); // then stall
        return;
      }
      res.end('x');
    });
    try {
      const dir = await tempDir();
      const items = [
        { url: server.url('/fast'), path: 'fast.bin' },
        { url: server.url('/slow'), path: 'slow.bin' },
        ...Array.from({ length: 300 }, (_, i) => ({ url: server.url(`/later${i}`), path: `later${i}.bin` })),
      ];
      const d = new Downloader(items, { dir, concurrency: 2, perHost: 2 });
      let ended: RunSummary | undefined;
      d.on('end', (s) => (ended = s));
      for await (const r of d) {
        assert.equal(r.status, 'ok');
        await waitFor(() => server.requests.some((q) => q.url === '/slow'), 5000);
        await waitFor(() => d.stats().bytes >= 1001, 5000);
        break;
      }
      // Leaving the loop waited for the run to stop.
      assert.ok(ended, 'end was emitted before the loop was left');
      assert.equal(ended.aborted, true);
      assert.equal(ended.failed, 0);
      assert.ok(ended.cancelled >= 1, 'the slow item and those read ahead are cancelled');
      const seen = server.requests.length;
      assert.ok(seen < items.length, `${seen} requests`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(server.requests.length, seen, 'nothing started after the loop was left');
      const files = await listFiles(dir);
      assert.ok(files.includes('slow.bin.part'), files.join(' '));
      assert.ok(!files.includes('slow.bin'));
      await waitFor(() => server.open() === 0, 2000);
    } finally {
      await server.close();
    }
  },
);

test(
  'an input that throws ends the iteration by throwing its error, after the results of the items before',
  { timeout: 10_000 },
  async () => {
    const boom = new Error('the input broke');
    function* items() {
      yield 'ftp://example.invalid/a';
      throw boom;
    }
    const d = new Downloader(items(), { dir: await tempDir() });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const r of d) seen.push(r.error!.code);
    }, boom);
    assert.deepEqual(seen, ['INVALID_URL']);
    await assert.rejects(d.run(), boom);
  },
);

test(
  'a run that cannot start (its HTTP client cannot be built) rejects, and iterating it throws instead of hanging',
  { timeout: 10_000 },
  async () => {
    const broken = new Error('no HTTP agent for these options');
    const d = new Downloader(['http://127.0.0.1:9/a'], { dir: await tempDir() });
    buildClientWith(d, () => {
      throw broken;
    });
    await settlesWithin(
      assert.rejects(async () => {
        for await (const _ of d) assert.fail('no result');
      }, broken),
      3000,
    );
    await settlesWithin(assert.rejects(d.run(), broken), 3000);
  },
);

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

test(
  'a listener that aborts the run from its retry event does not leave the run pending',
  { timeout: 10_000 },
  async () => {
    const server = await startServer((_req, res) => void res.writeHead(500).end());
    try {
      const d = new Downloader([server.url('/a')], {
        dir: await tempDir(),
        backoff: { baseMs: 5, maxMs: 5 },
      });
      d.on('retry', () => d.abort());
      const summary = await settlesWithin(d.run(), 5000);
      assert.equal(summary.cancelled, 1);
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  },
);
