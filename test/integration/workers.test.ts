import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { Downloader, download, type DownloadResult } from '../../src/index.js';
import { workerThreadsOf } from '../../src/engine/downloader.js';
import { listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const KiB = 1024;

/** What a result says about the file, whichever loop made it. */
function outcome(r: DownloadResult) {
  return {
    index: r.index,
    status: r.status,
    name: r.path && path.basename(r.path),
    bytes: r.bytes,
    sha256: r.sha256,
  };
}

/** A server of `count` files of 16 KiB that answers each after `delayMs`, counting requests in flight. */
async function slowFiles(count: number, delayMs: number) {
  const files = Array.from({ length: count }, (_, i) => bytes(16 * KiB, i + 1));
  let inFlight = 0;
  let peak = 0;
  const server = await startServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      serveBody(req, res, files[Number(req.url!.slice(2))]!);
    }, delayMs);
  });
  return { server, files, peak: () => peak, urls: files.map((_, i) => server.url(`/f${i}`)) };
}

describe('worker threads', () => {
  for (const { workers, concurrency, perHost } of [
    { workers: 2, concurrency: 12, perHost: 12 },
    { workers: 3, concurrency: 16, perHost: 13 },
    { workers: 4, concurrency: 16, perHost: 16 },
  ]) {
    test(`limits hold across loops at the server: ${workers} loops, -j ${concurrency}, perHost ${perHost}`, async () => {
      const { server, files, peak, urls } = await slowFiles(240, 15);
      try {
        const d = new Downloader(urls, { dir: await tempDir(), concurrency, perHost, workers });
        const results: DownloadResult[] = [];
        d.on('result', (r) => results.push(r));
        await d.run();
        assert.equal(results.length, files.length);
        for (const r of results) {
          assert.equal(r.status, 'ok', r.error?.message);
          assert.equal(r.sha256, sha256(files[r.index]!));
        }
        assert.ok(workerThreadsOf(d).length >= 1, 'transfers ran on a worker thread too');
        assert.ok(peak() <= perHost, `peak of ${peak()} requests at once with perHost ${perHost}`);
        assert.ok(
          server.peakOpen() <= perHost,
          `peak of ${server.peakOpen()} connections, perHost ${perHost}`,
        );
        // The limit is used, not only respected: the loops together reach it.
        assert.ok(peak() >= Math.min(perHost, concurrency) - 1, `peak of ${peak()} requests`);
      } finally {
        await server.close();
      }
    });
  }

  test('the same list gives the same results and events on one loop and on three', async () => {
    const big = bytes(600 * KiB, 9);
    const server = await startServer((req, res) => {
      if (req.url === '/missing') return void res.writeHead(404).end();
      if (req.url!.startsWith('/big')) return serveBody(req, res, big);
      serveBody(req, res, bytes(3000, Number(req.url!.slice(2))));
    });
    try {
      const items = [
        ...Array.from({ length: 30 }, (_, i) => server.url(`/f${i + 1}`)),
        server.url('/missing'),
        server.url('/big1.bin'),
        server.url('/big2.bin'),
      ];
      const run = async (workers: number) => {
        const dir = await tempDir();
        const d = new Downloader(items, { dir, concurrency: 6, workers, retries: 0, progressIntervalMs: 0 });
        const events = { start: 0, finish: 0, fail: 0, progressOfBig: 0 };
        d.on('start', () => events.start++);
        d.on('finish', () => events.finish++);
        d.on('fail', () => events.fail++);
        d.on('progress', (p) => {
          if (p.url.includes('/big')) events.progressOfBig++;
        });
        const results: DownloadResult[] = [];
        d.on('result', (r) => results.push(r));
        const summary = await d.run();
        results.sort((a, b) => a.index - b.index);
        return { dir, summary, events, results: results.map(outcome), files: await listFiles(dir) };
      };
      const one = await run(1);
      const three = await run(3);
      assert.deepEqual(three.results, one.results);
      assert.deepEqual(three.files, one.files);
      assert.equal(three.summary.ok, 32);
      assert.equal(three.summary.failed, 1);
      assert.equal(three.summary.bytes, one.summary.bytes);
      assert.deepEqual(
        { start: three.events.start, finish: three.events.finish, fail: three.events.fail },
        { start: 33, finish: 32, fail: 1 },
      );
      assert.ok(
        three.events.progressOfBig > 0,
        'bytes of a transfer on a worker thread reach progress events',
      );
    } finally {
      await server.close();
    }
  });

  test('a large file on a worker thread borrows the idle connections of the run, within -j and perHost', async () => {
    const files = [bytes(6 * 1024 * KiB, 41), bytes(6 * 1024 * KiB, 42)];
    let inFlight = 0;
    let peakInFlight = 0;
    const server = await startServer((req, res) => {
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      res.on('close', () => inFlight--);
      serveThrottled(req, res, files[Number(req.url!.slice(2))]!, {
        rate: 4 * 1024 * KiB,
        etag: `"${req.url}"`,
      });
    });
    try {
      const d = new Downloader([server.url('/f0'), server.url('/f1')], {
        dir: await tempDir(),
        concurrency: 16,
        workers: 2,
      });
      const results: DownloadResult[] = [];
      d.on('result', (r) => results.push(r));
      await d.run();
      assert.equal(workerThreadsOf(d).length, 1, 'the second file ran on a worker thread');
      for (const r of results) assert.equal(r.sha256, sha256(files[r.index]!));
      for (const f of ['/f0', '/f1']) {
        const ranged = server.requests.filter(
          (q) => q.url === f && /^bytes=\d+-\d+$/.test(q.headers.range ?? ''),
        );
        assert.ok(ranged.length >= 3, `${f}: ${ranged.length} range requests beyond its first`);
      }
      assert.ok(peakInFlight <= 16, `${peakInFlight} requests at once with -j 16`);
      assert.ok(server.peakOpen() <= 16, `${server.peakOpen()} connections with perHost 16`);
    } finally {
      await server.close();
    }
  });

  test('names derived from URLs are unique and handed out in input order across loops', async () => {
    // Each answer waits a while, unevenly, so that loops ask for names out of step.
    const server = await startServer((req, res) =>
      setTimeout(
        () => serveBody(req, res, Buffer.from(req.url!)),
        (Number(/n=(\d+)/.exec(req.url!)![1]) * 7) % 23,
      ),
    );
    try {
      const items = Array.from({ length: 60 }, (_, i) => server.url(`/same?n=${i}`));
      const names = async (workers: number) => {
        const results = await download(items, { dir: await tempDir(), concurrency: 12, workers });
        return { results, names: results.map((r) => path.basename(r.path!)) };
      };
      const { results, names: three } = await names(3);
      assert.equal(new Set(three).size, 60, 'every item has its own file');
      // The same names for the same items as on one loop: a re-run finds each file where it was.
      assert.deepEqual(three, (await names(1)).names);
      for (const r of results) {
        assert.equal(r.status, 'ok');
        assert.equal(await fs.readFile(r.path!, 'utf8'), new URL(r.url).pathname + new URL(r.url).search);
      }
    } finally {
      await server.close();
    }
  });

  test('Retry-After from one loop pauses the origin for every loop', async () => {
    let refusedAt: number | undefined;
    const after: number[] = [];
    const server = await startServer((req, res) => {
      if (refusedAt === undefined && req.url === '/f5') {
        refusedAt = Date.now();
        return void res.writeHead(503, { 'retry-after': '1' }).end();
      }
      if (refusedAt !== undefined) after.push(Date.now() - refusedAt);
      setTimeout(() => serveBody(req, res, bytes(2000)), 20);
    });
    try {
      const items = Array.from({ length: 80 }, (_, i) => server.url(`/f${i}`));
      const results = await download(items, { dir: await tempDir(), concurrency: 8, workers: 3 });
      assert.ok(refusedAt !== undefined, 'the server refused once');
      assert.ok(results.every((r) => r.status === 'ok'));
      // Requests already under way end; nothing new starts on any loop until the second is over.
      const early = after.filter((ms) => ms > 100 && ms < 900);
      assert.deepEqual(early, [], 'requests that started while the origin was paused');
    } finally {
      await server.close();
    }
  });

  test('a worker thread that dies mid-run: its items are retried elsewhere, nothing is lost or doubled', async () => {
    const files = Array.from({ length: 40 }, (_, i) => bytes(64 * KiB, i + 7));
    const server = await startServer((req, res) =>
      serveThrottled(req, res, files[Number(req.url!.slice(2))]!, { rate: 256 * KiB, etag: `"${req.url}"` }),
    );
    try {
      const dir = await tempDir();
      const d = new Downloader(
        files.map((_, i) => server.url(`/f${i}`)),
        { dir, concurrency: 8, workers: 2, backoff: { baseMs: 10, maxMs: 50 } },
      );
      const retriedFor: string[] = [];
      d.on('retry', (r) => retriedFor.push(r.error.code));
      const results: DownloadResult[] = [];
      d.on('result', (r) => results.push(r));
      const running = d.run();
      // Once the thread has transfers under way, it is stopped.
      await waitFor(() => workerThreadsOf(d).length > 0 && server.requests.length >= 10, 10_000);
      await workerThreadsOf(d)[0]!.terminate();
      const summary = await running;
      assert.ok(retriedFor.includes('WORKER_EXITED'), `retries: ${retriedFor.join(', ')}`);
      assert.equal(summary.ok, files.length);
      assert.equal(results.length, files.length, 'one result per item');
      assert.equal(new Set(results.map((r) => r.index)).size, files.length);
      for (const r of results) assert.equal(r.sha256, sha256(files[r.index]!));
      // Every file under its own name: no `.1` copy, no part or state file left.
      assert.deepEqual(await listFiles(dir), files.map((_, i) => `f${i}`).sort());
    } finally {
      await server.close();
    }
  });

  test('abort() unwinds every loop: items end cancelled or ok, threads stop, no connection stays open', async () => {
    const files = Array.from({ length: 30 }, (_, i) => bytes(256 * KiB, i + 3));
    const server = await startServer((req, res) =>
      serveThrottled(req, res, files[Number(req.url!.slice(2))]!, { rate: 128 * KiB, etag: `"${req.url}"` }),
    );
    try {
      const d = new Downloader(
        files.map((_, i) => server.url(`/f${i}`)),
        { dir: await tempDir(), concurrency: 12, workers: 3 },
      );
      const results: DownloadResult[] = [];
      d.on('result', (r) => results.push(r));
      const running = d.run();
      await waitFor(() => workerThreadsOf(d).length >= 2 && server.requests.length >= 12, 10_000);
      const threads: Worker[] = workerThreadsOf(d);
      const exited = threads.map((t) => new Promise<void>((resolve) => t.once('exit', () => resolve())));
      d.abort(new Error('stop'));
      const summary = await running;
      assert.equal(summary.aborted, true);
      assert.ok(summary.cancelled > 0);
      assert.ok(results.every((r) => r.status === 'cancelled' || r.status === 'ok'));
      await Promise.all(exited);
      await waitFor(() => server.open() === 0, 5000);
    } finally {
      await server.close();
    }
  });
});
