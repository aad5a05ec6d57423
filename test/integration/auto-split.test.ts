import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, test } from 'node:test';
import { download, Downloader, type DownloadResult } from '../../src/index.js';
import { fileSha256, tempDir, waitFor } from '../helpers/fs.js';
import {
  bytes,
  serveBody,
  sha256,
  startServer,
  type SeenRequest,
  type TestServer,
} from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const MiB = 1024 * 1024;

/** A server of `files` (by path), each throttled per connection, counting requests in flight. */
async function filesServer(files: ReadonlyMap<string, Buffer>, rate: number, ranges = true) {
  let inFlight = 0;
  let peak = 0;
  const server = await startServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = files.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on('close', () => inFlight--);
    serveThrottled(req, res, body, { rate, etag: `"${req.url}"`, ranges });
  });
  return { server, peak: () => peak };
}

/** Requests for `path` that asked for a bounded range: those of extra connections of a split. */
function rangeRequests(server: TestServer, path: string): SeenRequest[] {
  return server.requests.filter((q) => q.url === path && /^bytes=\d+-\d+$/.test(q.headers.range ?? ''));
}

async function assertWhole(results: DownloadResult[], files: ReadonlyMap<string, Buffer>): Promise<void> {
  for (const r of results) {
    assert.equal(r.status, 'ok', r.error?.message);
    const body = files.get(new URL(r.url).pathname)!;
    assert.equal(await fileSha256(r.path!), sha256(body), r.url);
  }
}

describe('automatic split', () => {
  test('the tail of a list: large files from a server with ranges are split over the idle connections, never above -j', async () => {
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 6; i++) files.set(`/small-${i}.bin`, bytes(200_000, 100 + i));
    for (let i = 0; i < 3; i++) files.set(`/large-${i}.bin`, bytes(6 * MiB, 110 + i));
    const { server, peak } = await filesServer(files, 4 * MiB);
    try {
      const results = await download(
        [...files.keys()].map((p) => server.url(p)),
        { dir: await tempDir(), concurrency: 8 },
      );
      await assertWhole(results, files);
      for (let i = 0; i < 3; i++) {
        const ranged = rangeRequests(server, `/large-${i}.bin`);
        assert.ok(ranged.length >= 2, `large-${i}: ${ranged.length} range requests beyond its first`);
      }
      for (let i = 0; i < 6; i++) {
        assert.equal(rangeRequests(server, `/small-${i}.bin`).length, 0, 'a small file is one stream');
      }
      assert.ok(peak() <= 8, `${peak()} requests at once with -j 8`);
    } finally {
      await server.close();
    }
  });

  test('connections a split borrows count against perHost at each origin', async () => {
    const a = new Map([['/a.bin', bytes(6 * MiB, 120)]]);
    const b = new Map([['/b.bin', bytes(6 * MiB, 121)]]);
    const sa = await filesServer(a, 4 * MiB);
    const sb = await filesServer(b, 4 * MiB);
    try {
      const results = await download([sa.server.url('/a.bin'), sb.server.url('/b.bin')], {
        dir: await tempDir(),
        concurrency: 8,
        perHost: 3,
      });
      await assertWhole(results, new Map([...a, ...b]));
      assert.equal(sa.peak(), 3, 'a.bin: its own connection and two borrowed, no more');
      assert.equal(sb.peak(), 3, 'b.bin: its own connection and two borrowed, no more');
      assert.ok(rangeRequests(sa.server, '/a.bin').length >= 2);
      assert.ok(rangeRequests(sb.server, '/b.bin').length >= 2);
    } finally {
      await sa.server.close();
      await sb.server.close();
    }
  });

  test('a large file started while every connection was busy takes over those that become idle', async () => {
    const files = new Map([
      ['/large.bin', bytes(4 * MiB, 130)],
      ['/small-0.bin', bytes(300_000, 131)],
      ['/small-1.bin', bytes(300_000, 132)],
    ]);
    const { server, peak } = await filesServer(files, 2 * MiB);
    try {
      const results = await download(
        [...files.keys()].map((p) => server.url(p)),
        { dir: await tempDir(), concurrency: 2 },
      );
      await assertWhole(results, files);
      const large = server.requests.filter((q) => q.url === '/large.bin');
      assert.equal(large[0]!.headers.range, 'bytes=0-', 'started as one stream of the whole file');
      assert.ok(
        rangeRequests(server, '/large.bin').length >= 1,
        'a connection freed by a small file took over the tail of the large one',
      );
      assert.ok(peak() <= 2, `${peak()} requests at once with -j 2`);
    } finally {
      await server.close();
    }
  });

  test('a borrowed connection counts against -j across origins, and goes back at the end of its range when a download waits to start', async () => {
    const large = new Map([['/large.bin', bytes(8 * MiB, 140)]]);
    const late = new Map([['/late.bin', bytes(100_000, 141)]]);
    let inFlight = 0;
    let peak = 0;
    const counted = (files: Map<string, Buffer>) =>
      startServer((req, res) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        res.on('close', () => inFlight--);
        serveThrottled(req, res, files.get(req.url!)!, { rate: 2 * MiB, etag: '"e"' });
      });
    const sa = await counted(large);
    const sb = await counted(late);
    async function* items() {
      yield sa.url('/large.bin');
      // Arrives, from another origin, once the large file has borrowed the run's other connection.
      await waitFor(() => rangeRequests(sa, '/large.bin').length > 0, 10_000);
      yield sb.url('/late.bin');
    }
    try {
      const d = new Downloader(items(), { dir: await tempDir(), concurrency: 2 });
      const order: string[] = [];
      d.on('result', (r) => order.push(new URL(r.url).pathname));
      await d.run();
      assert.deepEqual(order, ['/late.bin', '/large.bin'], 'the late item did not wait for the large file');
      assert.ok(peak <= 2, `${peak} requests at once over both origins with -j 2`);
    } finally {
      await sa.close();
      await sb.close();
    }
  });

  test('a server without range support is never split', async () => {
    const files = new Map([['/big.bin', bytes(6 * MiB, 150)]]);
    const server = await startServer((req, res) =>
      serveBody(req, res, files.get(req.url!)!, { ranges: false }),
    );
    try {
      const results = await download([server.url('/big.bin')], { dir: await tempDir(), concurrency: 8 });
      await assertWhole(results, files);
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });

  test('split 1 never splits, and asks no range', async () => {
    const files = new Map([['/big.bin', bytes(6 * MiB, 160)]]);
    const server = await startServer((req, res) =>
      serveBody(req, res, files.get(req.url!)!, { etag: '"b"' }),
    );
    try {
      const results = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        concurrency: 8,
        split: 1,
      });
      await assertWhole(results, files);
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]!.headers.range, undefined);
    } finally {
      await server.close();
    }
  });

  test('split N caps a file at N connections however many are idle', async () => {
    const files = new Map([['/big.bin', bytes(6 * MiB, 170)]]);
    const { server, peak } = await filesServer(files, 4 * MiB);
    try {
      const results = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        concurrency: 8,
        split: 2,
      });
      await assertWhole(results, files);
      assert.equal(peak(), 2);
    } finally {
      await server.close();
    }
  });
});
