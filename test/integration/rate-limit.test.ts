import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeOptions } from '../../src/engine/options.js';
import { Downloader, download, type DownloadResult } from '../../src/index.js';
import { HttpClient } from '../../src/transport/client.js';
import { exited, spawnCli } from '../cli/cli.js';
import { fileSha256, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * The spec's bound: over a transfer of at least 10 s, the average is within 5% of the limit.
 * It is the one timed assertion these tests make.
 */
const TOLERANCE = 0.05;

/** Files of 11 MiB in all: about 11 s at 1 MiB/s. */
const FILES = Array.from({ length: 8 }, (_, i) => bytes((11 * MiB) / 8, i + 1));
const TOTAL = FILES.reduce((n, f) => n + f.length, 0);

/**
 * A server on 127.0.0.1 that sends each file as fast as the connection takes it (Range and
 * If-Range too),
 * noting when the first request of each path arrived (on this process's clock).
 */
async function fastServer(files: Buffer[]) {
  const firstAt = new Map<string, number>();
  const server = await startServer((req, res) => {
    const path = req.url ?? '';
    if (!firstAt.has(path)) firstAt.set(path, performance.now());
    const file = files[Number(path.slice(2))];
    if (!file) return void res.writeHead(404).end();
    serveBody(req, res, file, { etag: `"${path}"` });
  });
  const urls = files.map((_, i) => server.url(`/f${i}`));
  const start = () => Math.min(...firstAt.values());
  return { server, urls, firstAt, start };
}

/** The average rate over a window, as a share of `limit`, in words for a failure. */
function judge(bytesMoved: number, fromMs: number, toMs: number, limit: number) {
  const seconds = (toMs - fromMs) / 1000;
  const ratio = bytesMoved / seconds / limit;
  const said = `${bytesMoved} bytes in ${seconds.toFixed(2)} s: ${(ratio * 100).toFixed(1)}% of the limit`;
  return { seconds, ratio, said };
}

function assertWithin(bytesMoved: number, fromMs: number, toMs: number, limit: number) {
  const { seconds, ratio, said } = judge(bytesMoved, fromMs, toMs, limit);
  if (process.env.SHOW_RATES) console.error(said);
  assert.ok(seconds >= 10 * (1 - TOLERANCE), `a transfer of at least 10 s: ${said}`);
  assert.ok(Math.abs(ratio - 1) <= TOLERANCE, said);
}

function assertAllOk(results: Array<Pick<DownloadResult, 'status' | 'sha256' | 'index'>>, files: Buffer[]) {
  assert.equal(results.length, files.length);
  for (const r of results) {
    assert.equal(r.status, 'ok');
    assert.equal(r.sha256, sha256(files[r.index]!));
  }
}

describe('--limit-rate: the whole run under one limit', () => {
  test('one event loop, 4 connections: 11 MiB at 1 MiB/s average within 5% of the limit', async () => {
    const { server, urls, start } = await fastServer(FILES);
    try {
      const results = await download(urls, {
        dir: await tempDir(),
        concurrency: 4,
        workers: 1,
        split: 1,
        limitRate: MiB,
      });
      const end = performance.now();
      assertAllOk(results, FILES);
      assertWithin(TOTAL, start(), end, MiB);
      assert.ok(server.peakOpen() >= 2, `several connections at once (${server.peakOpen()})`);
    } finally {
      await server.close();
    }
  });

  test('--workers 2 (two event loops): the limit holds for the whole run, not per loop', async () => {
    const { server, urls, start } = await fastServer(FILES);
    const dir = await tempDir();
    try {
      const child = spawnCli([
        ...urls,
        '-d',
        dir,
        '-j',
        '8',
        '-x',
        '1',
        '--workers',
        '2',
        '--limit-rate',
        '1M',
        '--json',
        '--progress',
        'none',
      ]);
      // When each result line arrived: when its file was complete.
      const doneAt: number[] = [];
      child.stdout!.on('data', () => {
        const seen = child.output.stdout.split('"event":"result"').length - 1;
        while (doneAt.length < seen) doneAt.push(performance.now());
      });
      const r = await exited(child, 60_000);
      assert.equal(r.code, 0, r.stderr);
      const results = r.stdout
        .split('\n')
        .filter((l) => l.includes('"event":"result"'))
        .map((l) => JSON.parse(l) as { index: number; status: 'ok'; sha256: string });
      assertAllOk(results, FILES);
      assert.equal(doneAt.length, FILES.length);
      // Both loops had transfers: the connections came from two pools (each loop has its own).
      assert.ok(server.connections() >= 2, `${server.connections()} connections`);
      assertWithin(TOTAL, start(), Math.max(...doneAt), MiB);
    } finally {
      await server.close();
    }
  });

  test('a paced body pauses its connection: the server cannot send far ahead of the limit', async () => {
    const HUGE = 256 * MiB;
    const piece = Buffer.alloc(64 * KiB, 7);
    let sent = 0;
    const pour = async (res: http.ServerResponse) => {
      res.writeHead(200, { 'content-length': String(HUGE) });
      let closed = false;
      res.on('close', () => (closed = true));
      while (sent < HUGE && !closed) {
        sent += piece.length;
        if (!res.write(piece)) {
          await new Promise<void>((resolve) => {
            const go = () => {
              res.off('drain', go).off('close', go);
              resolve();
            };
            res.on('drain', go).on('close', go);
          });
        }
      }
      res.end();
    };
    const server = await startServer((_req, res) => void pour(res));
    const client = new HttpClient({ ...normalizeOptions({ proxy: 'none' }), limitRate: MiB });
    try {
      const res = await client.request(new URL(server.url('/huge')), { headers: {} });
      let got = 0;
      const done = res.body.pipeTo((chunk) => void (got += chunk.length));
      await sleep(2000);
      // Loopback's socket buffers (a few MiB) are all that may fill while the body is paced.
      assert.ok(sent < 64 * MiB, `the server wrote ${sent} bytes in 2 s`);
      assert.ok(got > 0 && got < sent);
      res.body.destroy();
      await done;
    } finally {
      await client.destroy();
      await server.close();
    }
  });
});

describe('--max-file-rate: each file under its own limit', () => {
  test('two files at once, each split into ranges: each file at 512 KiB/s within 5% (the limit is per file)', async () => {
    const files = [bytes(5.5 * MiB, 21), bytes(5.5 * MiB, 22)];
    const { server, urls, firstAt } = await fastServer(files);
    try {
      const d = new Downloader(urls, {
        dir: await tempDir(),
        concurrency: 8,
        split: 4,
        workers: 1,
        maxFileRate: 512 * KiB,
      });
      const doneAt = new Map<number, number>();
      const results: DownloadResult[] = [];
      d.on('result', (r) => {
        doneAt.set(r.index, performance.now());
        results.push(r);
      });
      await d.run();
      assertAllOk(results, files);
      for (const r of results) assert.equal(await fileSha256(r.path!), sha256(files[r.index]!));
      for (const [i, file] of files.entries()) {
        const ranges = server.requests.filter((q) => q.url === `/f${i}`).length;
        assert.ok(ranges >= 2, `file ${i} came over ${ranges} requests`);
        assertWithin(file.length, firstAt.get(`/f${i}`)!, doneAt.get(i)!, 512 * KiB);
      }
    } finally {
      await server.close();
    }
  });
});
