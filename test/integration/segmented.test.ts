import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download, Downloader } from '../../src/index.js';
import { fileSha256, listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';
import { samplePeakConnections } from '../helpers/tcp.js';
import { serveThrottled } from '../helpers/throttle.js';

const MiB = 1024 * 1024;
const fast = { baseMs: 5, maxMs: 20 };

describe('segmented downloads', () => {
  test('split over N connections receives N ranges at once, where one stream has one', async () => {
    const body = bytes(3 * MiB, 21);
    const rate = 1.5 * MiB; // per connection: each range takes a good part of a second
    let active = 0;
    let peak = 0;
    const server = await startServer((req, res) => {
      peak = Math.max(peak, ++active);
      res.on('close', () => active--);
      serveThrottled(req, res, body, { rate, etag: '"s"' });
    });
    try {
      const peakOf = async (split: number) => {
        peak = 0;
        const [r] = await download([server.url('/big.bin')], {
          dir: await tempDir(),
          split,
          minSplitSize: 256 * 1024,
        });
        assert.equal(r!.status, 'ok', r!.error?.message);
        assert.equal(await fileSha256(r!.path!), sha256(body));
        return peak;
      };
      assert.equal(await peakOf(1), 1);
      // How much faster that is is measured in the benchmark (W2), not here.
      assert.equal(await peakOf(4), 4);
    } finally {
      await server.close();
    }
  });

  test('sixteen connections on one file raise no listener-leak warning', async () => {
    const body = bytes(4 * MiB, 22);
    const server = await startServer((req, res) =>
      serveThrottled(req, res, body, { rate: 8 * MiB, etag: '"m"' }),
    );
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const [r] = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        split: 16,
        minSplitSize: 128 * 1024,
      });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(await fileSha256(r!.path!), sha256(body));
      const ranged = server.requests.filter((q) => /^bytes=\d+-\d+$/.test(q.headers.range ?? ''));
      assert.ok(ranged.length >= 15, `${ranged.length} range requests`);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      assert.deepEqual(
        warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
        [],
      );
    } finally {
      process.off('warning', onWarning);
      await server.close();
    }
  });

  test('a hashed split download goes in waves of pieces in file order and reports the sha256', async () => {
    const body = bytes(8 * MiB, 23);
    const server = await startServer((req, res) =>
      serveThrottled(req, res, body, { rate: 8 * MiB, etag: '"h"' }),
    );
    try {
      const [r] = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        split: 2,
        minSplitSize: MiB / 2,
      });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(r!.sha256, sha256(body));
      const starts = server.requests
        .map((q) => /^bytes=(\d+)-\d+$/.exec(q.headers.range ?? '')?.[1])
        .filter((m) => m !== undefined)
        .map(Number);
      // Eight pieces of 1 MiB for two connections: after the first, each connection takes the next in order.
      assert.ok(starts.length >= 6, `${starts.length} range requests`);
      assert.deepEqual(starts.slice(0, 3), [MiB, 2 * MiB, 3 * MiB]);
    } finally {
      await server.close();
    }
  });

  test('connections per host stay within perHost across files and segments, also when every connection of an origin closes at once', async () => {
    // Regression: split downloads let go of several ranges at once; undici's Agent then forgot the
    // origin's pool while requests waited in it, and a second pool opened beside the first.
    // A large file first, then small ones: the connections they leave idle at the end join it.
    const files = Array.from({ length: 6 }, (_, i) => bytes(i === 0 ? 5_000_000 : 1_000_000, 60 + i));
    for (let round = 0; round < 4; round++) {
      const server = await startServer((req, res) => {
        serveThrottled(req, res, files[Number(req.url!.slice(1))]!, { rate: 6 * MiB, etag: `"${req.url}"` });
      });
      try {
        const sampler = samplePeakConnections(Number(new URL(server.origin).port), 1);
        const results = await download(
          files.map((_, i) => server.url(`/${i}`)),
          { dir: await tempDir(), split: 8, minSplitSize: 64 * 1024, perHost: 3, concurrency: 3 },
        );
        const peak = sampler.stop();
        for (const [i, r] of results.entries()) {
          assert.equal(r.status, 'ok', r.error?.message);
          assert.equal(await fileSha256(r.path!), sha256(files[i]!));
        }
        assert.ok(
          peak >= 2 && peak <= 3,
          `round ${round}: peak of ${peak} client connections with perHost 3`,
        );
        assert.ok(
          server.requests.some((q) => /^bytes=\d+-\d+$/.test(q.headers.range ?? '')),
          'ranges were used',
        );
      } finally {
        await server.close();
      }
    }
  });

  test('a server without range support falls back to one stream', async () => {
    const body = bytes(2 * MiB, 22);
    const server = await startServer((req, res) => serveBody(req, res, body, { ranges: false, etag: '"n"' }));
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/big.bin')], { dir, split: 8, minSplitSize: 64 * 1024 });
      assert.equal(r!.status, 'ok');
      assert.equal(await fileSha256(r!.path!), sha256(body));
      assert.equal(server.requests.length, 1);
      assert.deepEqual(await listFiles(dir), ['big.bin']);
    } finally {
      await server.close();
    }
  });

  test('a server that answers later ranges with 200 is caught and fetched as one stream', async () => {
    const body = bytes(2 * MiB, 23);
    const server = await startServer((req, res) => {
      // Honours only the opening `bytes=0-`, then ignores Range.
      const ranged = req.headers.range === 'bytes=0-';
      serveBody(req, res, body, { ranges: ranged, etag: '"r"' });
    });
    try {
      const [r] = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        split: 4,
        minSplitSize: 64 * 1024,
        backoff: fast,
      });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(await fileSha256(r!.path!), sha256(body));
    } finally {
      await server.close();
    }
  });

  test('an ETag change mid-download restarts from zero and delivers the new version whole', async () => {
    const v1 = bytes(2 * MiB, 24);
    const v2 = bytes(2 * MiB + 5000, 25);
    let requests = 0;
    const server = await startServer((req, res) => {
      // The opening request sees v1; the file is replaced before any range is asked for.
      const current = ++requests === 1 ? { body: v1, etag: '"v1"' } : { body: v2, etag: '"v2"' };
      serveThrottled(req, res, current.body, { rate: 4 * MiB, etag: current.etag });
    });
    try {
      const [r] = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        split: 4,
        minSplitSize: 128 * 1024,
        backoff: fast,
      });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(r!.bytes, v2.length);
      assert.equal(await fileSha256(r!.path!), sha256(v2));
    } finally {
      await server.close();
    }
  });

  test('a connection dropped in one segment retries that range only', async () => {
    const body = bytes(2 * MiB, 26);
    let dropped = false;
    let served = 0;
    const server = await startServer((req, res) => {
      const m = /^bytes=(\d+)-/.exec(req.headers.range ?? '');
      if (!dropped && m && Number(m[1]) > 0) {
        dropped = true;
        const start = Number(m[1]);
        res.writeHead(206, {
          'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
          'content-length': body.length - start,
          etag: '"d"',
        });
        res.write(body.subarray(start, start + 100_000), () => setTimeout(() => req.socket.destroy(), 10));
        served += 100_000;
        return;
      }
      serveThrottled(req, res, body, { rate: 8 * MiB, etag: '"d"', onSent: (n) => (served += n) });
    });
    try {
      const [r] = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        split: 4,
        minSplitSize: 128 * 1024,
        backoff: fast,
      });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(r!.attempts, 1, 'the item itself was not retried');
      assert.equal(await fileSha256(r!.path!), sha256(body));
      assert.ok(dropped);
      // Every byte once, plus what connections cut short by stealing had in flight.
      assert.ok(served < body.length * 1.25, `served ${served} bytes for ${body.length}`);
    } finally {
      await server.close();
    }
  });

  test('work stealing: one very slow connection does not hold the file hostage', async () => {
    const body = bytes(2 * MiB, 27);
    let slowStart: number | undefined;
    const server = await startServer((req, res) => {
      const m = /^bytes=(\d+)-/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      // The first ranged request past the start crawls at 20 KiB/s: alone it would need ~25 s.
      if (slowStart === undefined && start > 0) slowStart = start;
      const rate = start === slowStart ? 20 * 1024 : 4 * MiB;
      serveThrottled(req, res, body, { rate, etag: '"w"' });
    });
    try {
      const t0 = performance.now();
      const [r] = await download([server.url('/big.bin')], {
        dir: await tempDir(),
        split: 4,
        minSplitSize: 128 * 1024,
      });
      const ms = performance.now() - t0;
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(await fileSha256(r!.path!), sha256(body));
      assert.ok(ms < 8000, `took ${ms.toFixed(0)} ms`);
    } finally {
      await server.close();
    }
  });

  test('after an abort, the next run resumes: completed ranges are not fetched again', async () => {
    const body = bytes(3 * MiB, 28);
    let served = 0;
    const server = await startServer((req, res) =>
      serveThrottled(req, res, body, { rate: 2 * MiB, etag: '"a"', onSent: (n) => (served += n) }),
    );
    try {
      const dir = await tempDir();
      const options = { dir, split: 4, minSplitSize: 128 * 1024, checkpointMs: 50 };
      const controller = new AbortController();
      const d = new Downloader([{ url: server.url('/big.bin'), path: 'big.bin' }], {
        ...options,
        signal: controller.signal,
      });
      const run = d.run();
      await waitFor(() => d.stats().bytes > MiB, 10_000);
      controller.abort();
      await run;
      const statePath = path.join(dir, 'big.bin.part.state');
      const state = JSON.parse(await fs.readFile(statePath, 'utf8')) as {
        done: [number, number][];
        size: number;
      };
      const recorded = state.done.reduce((n, [a, b]) => n + b - a, 0);
      assert.equal(state.size, body.length);
      assert.ok(recorded > 0.25 * MiB, `recorded ${recorded} bytes`);
      const part = await fs.readFile(path.join(dir, 'big.bin.part'));
      for (const [a, b] of state.done)
        assert.ok(part.subarray(a, b).equals(body.subarray(a, b)), 'recorded = on disk');

      served = 0;
      const [r] = await download([{ url: server.url('/big.bin'), path: 'big.bin' }], options);
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(await fileSha256(path.join(dir, 'big.bin')), sha256(body));
      assert.equal(r!.sha256, sha256(body));
      assert.ok(
        served <= body.length - recorded + 64 * 1024,
        `re-run fetched ${served} of ${body.length - recorded} missing`,
      );
      assert.deepEqual(await listFiles(dir), ['big.bin']);
    } finally {
      await server.close();
    }
  });

  test('a resume whose remote changed starts over', async () => {
    const v1 = bytes(2 * MiB, 29);
    const v2 = bytes(2 * MiB, 30);
    let current = { body: v1, etag: '"1"' };
    const server = await startServer((req, res) =>
      serveThrottled(req, res, current.body, { rate: 2 * MiB, etag: current.etag }),
    );
    try {
      const dir = await tempDir();
      const options = { dir, split: 2, minSplitSize: 128 * 1024, checkpointMs: 50, backoff: fast };
      const controller = new AbortController();
      const d = new Downloader([server.url('/f.bin')], { ...options, signal: controller.signal });
      const run = d.run();
      await waitFor(() => d.stats().bytes > 0.5 * MiB, 10_000);
      controller.abort();
      await run;
      current = { body: v2, etag: '"2"' };
      const [r] = await download([server.url('/f.bin')], options);
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(await fileSha256(r!.path!), sha256(v2));
    } finally {
      await server.close();
    }
  });
});

describe('resume across runs of a single stream', () => {
  test('regression: a one-connection download interrupted by an abort continues from its part file', async () => {
    const body = bytes(3 * MiB, 31);
    let served = 0;
    const server = await startServer((req, res) =>
      serveThrottled(req, res, body, { rate: 2 * MiB, etag: '"one"', onSent: (n) => (served += n) }),
    );
    try {
      const dir = await tempDir();
      const controller = new AbortController();
      const d = new Downloader([server.url('/one.bin')], { dir, signal: controller.signal, split: 1 });
      const run = d.run();
      await waitFor(() => d.stats().bytes > MiB, 10_000);
      controller.abort();
      await run;
      const state = JSON.parse(await fs.readFile(path.join(dir, 'one.bin.part.state'), 'utf8')) as {
        done: [number, number][];
      };
      const kept = state.done[0]![1];
      assert.ok(kept >= MiB, `recorded ${kept} bytes`);

      served = 0;
      const [r] = await download([server.url('/one.bin')], { dir, split: 1 });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(r!.sha256, sha256(body));
      assert.equal(await fileSha256(r!.path!), sha256(body));
      assert.equal(served, body.length - kept, 'only the missing tail was fetched');
      assert.equal(server.requests.at(-1)!.headers.range, `bytes=${kept}-${body.length - 1}`);
      assert.deepEqual(await listFiles(dir), ['one.bin']);
    } finally {
      await server.close();
    }
  });

  // A single stream's state is written once; its part file's length is its progress, also when
  // the file holds more than the state says (written since) or less (a power loss took the tail).
  for (const [name, partLength, recorded] of [
    ['past what its state recorded', 2 * MiB, MiB],
    ['short of what its state recorded', MiB, 2 * MiB],
  ] as const) {
    test(`a single stream resumes from its part file's length when that is ${name}`, async () => {
      const body = bytes(3 * MiB, 33);
      let served = 0;
      const server = await startServer((req, res) =>
        serveThrottled(req, res, body, { rate: 64 * MiB, etag: '"len"', onSent: (n) => (served += n) }),
      );
      try {
        const dir = await tempDir();
        const part = path.join(dir, 'len.bin.part');
        await fs.writeFile(part, body.subarray(0, partLength));
        const state = { version: 1, url: server.url('/len.bin'), size: body.length, etag: '"len"' };
        await fs.writeFile(
          `${part}.state`,
          JSON.stringify({ ...state, done: [[0, recorded]], stream: true }),
        );
        const [r] = await download([server.url('/len.bin')], { dir, split: 1 });
        assert.equal(r!.status, 'ok', r!.error?.message);
        assert.equal(await fileSha256(r!.path!), sha256(body));
        assert.equal(server.requests.at(-1)!.headers.range, `bytes=${partLength}-${body.length - 1}`);
        assert.equal(served, body.length - partLength);
        assert.deepEqual(await listFiles(dir), ['len.bin']);
      } finally {
        await server.close();
      }
    });
  }

  test('a single stream writes its state once, not at every checkpoint', async () => {
    const body = bytes(3 * MiB, 35);
    const server = await startServer((req, res) =>
      serveThrottled(req, res, body, { rate: 2 * MiB, etag: '"s1"' }),
    );
    try {
      const dir = await tempDir();
      const controller = new AbortController();
      const d = new Downloader([server.url('/s1.bin')], {
        dir,
        signal: controller.signal,
        checkpointMs: 100,
        split: 1,
      });
      const run = d.run();
      const statePath = path.join(dir, 's1.bin.part.state');
      await waitFor(() => existsSync(statePath), 5000);
      const first = await fs.readFile(statePath, 'utf8');
      await waitFor(() => d.stats().bytes > 2 * MiB, 10_000);
      assert.equal(await fs.readFile(statePath, 'utf8'), first, 'not rewritten while it runs');
      assert.equal((JSON.parse(first) as { stream?: boolean }).stream, true);
      controller.abort();
      await run;
    } finally {
      await server.close();
    }
  });
});
