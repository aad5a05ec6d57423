import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { download, type DownloadOptions } from '../../src/index.js';
import { fileSha256, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, TLS } from '../helpers/server.js';

const KiB = 1024;

/**
 * A TLS server on 127.0.0.1 that offers HTTP/2 by ALPN and takes HTTP/1.1 too (node:http2's
 * allowHTTP1). It answers each file after `delayMs`, so that requests overlap, and counts the
 * requests in flight: in all, and on each connection (an HTTP/2 session, or a socket).
 */
async function h2Server(files: Buffer[], delayMs: number) {
  const versions: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const perConnection = new Map<object, number>();
  let peakOnOne = 0;
  let connections = 0;
  const server = http2.createSecureServer({ ...TLS, allowHTTP1: true }, (req, res) => {
    versions.push(req.httpVersion);
    const connection: object = req.httpVersion === '2.0' ? req.stream.session! : req.socket;
    inFlight++;
    peak = Math.max(peak, inFlight);
    const mine = (perConnection.get(connection) ?? 0) + 1;
    perConnection.set(connection, mine);
    peakOnOne = Math.max(peakOnOne, mine);
    let over = false;
    const leave = () => {
      if (over) return;
      over = true;
      inFlight--;
      perConnection.set(connection, perConnection.get(connection)! - 1);
    };
    res.on('finish', leave).on('close', leave);
    setTimeout(() => {
      const file = files[Number(req.url.slice(2))];
      if (!file) return void res.writeHead(404).end();
      // The compatibility API's request and response stand for node:http's here.
      serveBody(req as never, res as never, file, { etag: `"${req.url}"` });
    }, delayMs);
  });
  server.on('secureConnection', () => connections++);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => void sessions.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urls: files.map((_, i) => `https://127.0.0.1:${port}/f${i}`),
    versions,
    peak: () => peak,
    peakOnOne: () => peakOnOne,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const FILES = Array.from({ length: 40 }, (_, i) => bytes(16 * KiB, i + 1));

async function fetchAll(urls: string[], options: DownloadOptions) {
  const results = await download(urls, { dir: await tempDir(), ca: TLS.cert, workers: 1, ...options });
  for (const r of results) assert.equal(r.status, 'ok', r.error?.message);
  return results;
}

describe('HTTP/2 (--http2)', () => {
  test('requests go over h2, several streams share a connection, and streams count against perHost', async () => {
    const server = await h2Server(FILES, 30);
    try {
      const results = await fetchAll(server.urls, { concurrency: 8, perHost: 4, http2: true });
      for (const r of results) assert.equal(r.sha256, sha256(FILES[r.index]!));
      assert.equal(server.versions.length, FILES.length);
      assert.deepEqual(new Set(server.versions), new Set(['2.0']), 'every request over HTTP/2');
      assert.ok(server.peak() <= 4, `${server.peak()} streams at once with perHost 4`);
      assert.ok(server.peakOnOne() >= 2, `at most ${server.peakOnOne()} stream at once on a connection`);
      assert.ok(server.connections() <= 4, `${server.connections()} connections`);
    } finally {
      await server.close();
    }
  });

  test('a large file is not cut into ranges over h2 (its streams would share one connection); over HTTP/1.1 it is', async () => {
    const big = [bytes(4 * 1024 * KiB, 9)];
    const server = await h2Server(big, 0);
    const options = { concurrency: 4, split: 4, minSplitSize: 256 * KiB } as const;
    try {
      const [r] = await fetchAll(server.urls, { ...options, http2: true });
      assert.equal(await fileSha256(r!.path!), sha256(big[0]!));
      assert.deepEqual(server.versions, ['2.0'], 'one request, one stream, the whole file');
      server.versions.length = 0;
      const [h1] = await fetchAll(server.urls, options);
      assert.equal(await fileSha256(h1!.path!), sha256(big[0]!));
      assert.ok(
        server.versions.length >= 2,
        `HTTP/1.1: ${server.versions.length} requests, ranges on their own connections`,
      );
      assert.deepEqual(new Set(server.versions), new Set(['1.1']));
    } finally {
      await server.close();
    }
  });

  test('without --http2 the same server is spoken to in HTTP/1.1', async () => {
    const server = await h2Server(FILES.slice(0, 8), 0);
    try {
      await fetchAll(server.urls, { concurrency: 4 });
      assert.deepEqual(new Set(server.versions), new Set(['1.1']));
    } finally {
      await server.close();
    }
  });

  test('a server that speaks only HTTP/1.1 still works with --http2, one request per connection at a time', async () => {
    let inFlight = 0;
    let peak = 0;
    const onConnection = new Map<number, number>();
    let peakOnOne = 0;
    const server = await startServer(
      (req, res, seen) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        const mine = (onConnection.get(seen.connection) ?? 0) + 1;
        onConnection.set(seen.connection, mine);
        peakOnOne = Math.max(peakOnOne, mine);
        res.on('close', () => {
          inFlight--;
          onConnection.set(seen.connection, onConnection.get(seen.connection)! - 1);
        });
        // The head at once, the body a little later: a client that pipelines would send its next
        // request on this connection as soon as the head is in.
        const file = FILES[Number(req.url!.slice(2))]!;
        res.writeHead(200, { 'content-length': file.length }).flushHeaders();
        setTimeout(() => res.end(file), 15);
      },
      { tls: true },
    );
    try {
      const urls = FILES.map((_, i) => server.url(`/f${i}`));
      const results = await fetchAll(urls, { concurrency: 8, perHost: 4, http2: true });
      for (const r of results) assert.equal(r.sha256, sha256(FILES[r.index]!));
      assert.equal(server.requests.length, FILES.length);
      assert.ok(peak <= 4, `${peak} requests at once with perHost 4`);
      assert.equal(peakOnOne, 1, 'no HTTP/1.1 connection carries two requests at once');
      assert.ok(server.peakOpen() <= 4, `${server.peakOpen()} connections with perHost 4`);
    } finally {
      await server.close();
    }
  });
});
