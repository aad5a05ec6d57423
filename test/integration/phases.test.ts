import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, test } from 'node:test';
import { download, type DownloadResult } from '../../src/index.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer, TLS } from '../helpers/server.js';

/** The server holds the response head this long, */
const HEAD_MS = 300;
/** then sends the body in pieces over this long. */
const BODY_MS = 400;
const PIECES = 8;
const body = bytes(64 * 1024, 5);

/** A response whose head comes after HEAD_MS and whose body trickles over BODY_MS. */
function slowly(_req: http.IncomingMessage, res: http.ServerResponse): void {
  setTimeout(() => {
    res.writeHead(200, { 'content-length': body.length });
    const piece = body.length / PIECES;
    let sent = 0;
    const next = () => {
      res.write(body.subarray(sent * piece, (sent + 1) * piece));
      if (++sent < PIECES) setTimeout(next, BODY_MS / (PIECES - 1));
      else res.end();
    };
    next();
  }, HEAD_MS);
}

/** The relations every result's times keep, whatever the machine's speed. */
function assertPhases(r: DownloadResult): void {
  const what = JSON.stringify({ ...r, item: undefined, error: r.error?.code });
  assert.equal(r.status, 'ok', what);
  assert.ok(r.waitMs >= HEAD_MS * 0.8, `waitMs ${what}`);
  assert.ok(r.bodyMs >= BODY_MS * 0.8, `bodyMs ${what}`);
  assert.ok(r.connectMs >= 0, `connectMs ${what}`);
  assert.ok(r.connectMs + r.waitMs + r.bodyMs <= r.ms + 2, `the phases fit in ms: ${what}`);
  assert.ok(r.ttfbMs >= r.waitMs && r.ttfbMs <= r.connectMs + r.waitMs + 0.001, `ttfbMs ${what}`);
  assert.ok(r.startedAt > 0 && r.startedAt <= r.endedAt, `startedAt..endedAt ${what}`);
  assert.ok(r.endedAt - r.startedAt >= r.ms, `the span holds ms: ${what}`);
  assert.ok(r.endedAt - r.startedAt >= r.ms + r.queuedMs - 1, `the span holds queuedMs: ${what}`);
  assert.equal(r.retryWaitMs, 0, what);
  assert.equal(r.retryAfterMs, 0, what);
}

describe("a result says where the item's time went", () => {
  test('a late head and a slow body: waitMs and bodyMs hold them, and the phases fit in ms', async () => {
    const server = await startServer(slowly);
    try {
      const [r] = await download([server.url('/slow.bin')], { dir: await tempDir() });
      assertPhases(r!);
      assert.equal(r!.attempts, 1);
    } finally {
      await server.close();
    }
  });

  test('on worker threads (workers 2) the times cross back with the result', async () => {
    const server = await startServer(slowly);
    try {
      const urls = [1, 2, 3, 4].map((i) => server.url(`/slow-${i}.bin`));
      const results = await download(urls, { dir: await tempDir(), workers: 2, concurrency: 4 });
      assert.equal(results.length, 4);
      for (const r of results) assertPhases(r);
    } finally {
      await server.close();
    }
  });

  test('into WebDataset shards (a store written front to back) the times are the same', async () => {
    const server = await startServer(slowly);
    try {
      const urls = [server.url('/s1.bin'), server.url('/s2.bin')];
      const results = await download(urls, { dir: await tempDir(), output: { format: 'webdataset' } });
      assert.equal(results.length, 2);
      for (const r of results) assertPhases(r);
    } finally {
      await server.close();
    }
  });

  test('a request on a kept-alive connection connects in far less time than one that opened it (TLS)', async () => {
    const server = await startServer((req, res) => serveBody(req, res, body), { tls: true });
    try {
      const urls = [server.url('/first.bin'), server.url('/second.bin')];
      const [first, second] = await download(urls, { dir: await tempDir(), concurrency: 1, ca: TLS.cert });
      assert.equal(server.connections(), 1, 'the second request went on the first one’s connection');
      assert.equal(first!.status, 'ok');
      assert.equal(second!.status, 'ok');
      assert.ok(
        second!.connectMs * 2 < first!.connectMs,
        `connectMs ${first!.connectMs} (new connection) then ${second!.connectMs} (kept alive)`,
      );
      assert.ok(first!.ttfbMs >= first!.connectMs, `ttfbMs ${first!.ttfbMs} holds the connect`);
    } finally {
      await server.close();
    }
  });

  test('a 503 with Retry-After: 1, then the file: the wait is in retryWaitMs and retryAfterMs', async () => {
    let calls = 0;
    const server = await startServer((req, res) => {
      if (++calls === 1) return void res.writeHead(503, { 'retry-after': '1' }).end();
      serveBody(req, res, body);
    });
    try {
      const [r] = await download([server.url('/busy.bin')], { dir: await tempDir() });
      const what = JSON.stringify({ ...r, item: undefined });
      assert.equal(r!.status, 'ok', what);
      assert.equal(r!.attempts, 2, what);
      assert.equal(r!.retryAfterMs, 1000, what);
      assert.ok(r!.retryWaitMs >= 1000, what);
      assert.ok(r!.queuedMs >= r!.retryWaitMs, `the retry's wait is part of queuedMs: ${what}`);
      assert.ok(r!.endedAt - r!.startedAt >= r!.ms + r!.retryWaitMs, what);
      assert.ok(r!.ttfbMs > 0 && r!.ttfbMs <= r!.connectMs + r!.waitMs, what);
    } finally {
      await server.close();
    }
  });

  test('an item that got no response: its times are numbers, ttfbMs 0', async () => {
    const closed = await startServer(() => {});
    const url = closed.url('/gone.bin');
    await closed.close();
    const [r] = await download([url], {
      dir: await tempDir(),
      retries: 1,
      backoff: { baseMs: 50, maxMs: 50 },
    });
    const what = JSON.stringify({ ...r, item: undefined, error: r!.error?.code });
    assert.equal(r!.status, 'failed', what);
    assert.equal(r!.ttfbMs, 0, what);
    assert.equal(r!.bodyMs, 0, what);
    assert.ok(r!.retryWaitMs >= 25, `the backoff is waited: ${what}`);
    assert.equal(r!.retryAfterMs, 0, what);
    for (const k of ['startedAt', 'endedAt', 'connectMs', 'waitMs', 'bodyMs', 'retryWaitMs'] as const) {
      assert.equal(typeof r![k], 'number', k);
    }
  });
});
