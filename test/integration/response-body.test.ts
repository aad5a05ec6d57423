import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ParafetchError } from '../../src/errors/index.js';
import { normalizeOptions } from '../../src/engine/options.js';
import { HttpClient } from '../../src/transport/client.js';
import { startRawServer } from '../helpers/raw-server.js';
import { startServer, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;
/** Far more than loopback's socket buffers can hold between a server and a reader that stopped. */
const HUGE = 256 * MiB;
const PIECE = Buffer.alloc(64 * 1024, 5);

/** Bytes the server handed to its socket so far, per request path. */
const sent = new Map<string, number>();
/** Request paths whose connection the server saw closed. */
const closed = new Set<string>();

/** Writes `total` bytes, as fast as the connection takes them (waiting on 'drain'). */
async function pour(res: http.ServerResponse, path: string, total: number): Promise<void> {
  res.writeHead(200, { 'content-length': String(total) });
  let n = 0;
  let closed = false;
  res.on('close', () => (closed = true));
  while (n < total && !closed) {
    const ok = res.write(PIECE);
    n += PIECE.length;
    sent.set(path, n);
    if (!ok) await drainOrClose(res);
  }
  res.end();
}

function drainOrClose(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Waits (up to 5 s) until `value()` has not changed for 300 ms; returns it. */
async function settled(value: () => number): Promise<number> {
  let last = value();
  let still = 0;
  for (let i = 0; i < 100 && still < 6; i++) {
    await sleep(50);
    const now = value();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

describe('response bodies delivered chunk by chunk', () => {
  let server: TestServer;
  let client: HttpClient;
  before(async () => {
    server = await startServer((req, res) => {
      const path = req.url ?? '';
      req.socket.on('close', () => closed.add(path));
      if (path.startsWith('/huge')) return void pour(res, path, HUGE);
      if (path === '/small') return void res.end(Buffer.alloc(1000, 1));
      res.writeHead(404).end();
    });
    client = new HttpClient(normalizeOptions({ proxy: 'none' }));
  });
  after(async () => {
    await client.destroy();
    await server.close();
  });

  test('a consumer that does not keep up pauses the server: it cannot write more than the socket buffers hold', async () => {
    const res = await client.request(new URL(server.url('/huge-paused')), { headers: {} });
    let got = 0;
    const done = res.body.pipeTo((chunk) => {
      got += chunk.length;
      return false; // a sink that is behind
    });
    const ahead = await settled(() => sent.get('/huge-paused') ?? 0);
    // Loopback's send and receive buffers (a few MiB) and undici's 64 KiB are all that may fill.
    assert.ok(ahead < 64 * MiB, `the server wrote ${ahead} bytes while the reader was paused`);
    assert.ok(got < MiB, `the consumer got ${got} bytes before pausing`);
    // Resumed, the rest flows (read a little more, then let go).
    const before = got;
    res.body.resume();
    await settled(() => got);
    assert.ok(got > before, 'bytes flow again after resume()');
    res.body.destroy();
    await done;
  });

  test('destroying a body mid-way closes its connection and resolves the delivery', async () => {
    const res = await client.request(new URL(server.url('/huge-destroyed')), { headers: {} });
    let chunks = 0;
    await res.body.pipeTo((chunk) => {
      void chunk;
      if (++chunks === 3) res.body.destroy();
    });
    assert.equal(chunks, 3, 'no chunk is delivered after destroy()');
    assert.equal(await settled(() => (closed.has('/huge-destroyed') ? 1 : 0)), 1, 'the server saw it closed');
    const ahead = sent.get('/huge-destroyed') ?? 0;
    assert.ok(ahead < HUGE, `the server stopped after ${ahead} bytes`);
  });

  test('a small body is held until its consumer attaches, and its connection carries the next request', async () => {
    const first = await client.request(new URL(server.url('/small')), { headers: {} });
    await settled(() => (first.body.complete ? 1 : 0));
    assert.ok(first.body.complete, 'the whole body arrived before anyone read it');
    const second = await client.request(new URL(server.url('/small')), { headers: {} });
    let n = 0;
    await first.body.pipeTo((chunk) => void (n += chunk.length));
    await second.body.pipeTo(() => {});
    assert.equal(n, 1000);
    const [a, b] = server.requests.slice(-2);
    assert.equal(a!.connection, b!.connection, 'one connection for both');
  });
});

describe('a body that fails', () => {
  test('a reset mid-body rejects the delivery with CONNECTION_RESET', async () => {
    const raw = await startRawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${4 * MiB}\r\n\r\n`);
      socket.write(Buffer.alloc(MiB, 2), () => setTimeout(() => socket.resetAndDestroy(), 20));
    });
    const client = new HttpClient(normalizeOptions({ proxy: 'none' }));
    try {
      const res = await client.request(new URL(raw.url('/f')), { headers: {} });
      let got = 0;
      await assert.rejects(
        res.body.pipeTo((chunk) => void (got += chunk.length)),
        (err: unknown) => err instanceof ParafetchError && err.code === 'CONNECTION_RESET',
      );
      assert.ok(got <= MiB);
    } finally {
      await client.destroy();
      await raw.close();
    }
  });

  test('what the consumer throws fails the delivery with that error, and the connection is closed', async () => {
    let closed = false;
    const raw = await startRawServer((socket) => {
      socket.on('close', () => (closed = true));
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${4 * MiB}\r\n\r\n`);
      socket.write(Buffer.alloc(MiB, 2));
    });
    const client = new HttpClient(normalizeOptions({ proxy: 'none' }));
    try {
      const res = await client.request(new URL(raw.url('/f')), { headers: {} });
      const mine = new ParafetchError('BODY_TOO_LONG', 'too long');
      await assert.rejects(
        res.body.pipeTo(() => {
          throw mine;
        }),
        (err: unknown) => err === mine,
      );
      assert.equal(await settled(() => (closed ? 1 : 0)), 1, 'the server saw the connection closed');
    } finally {
      await client.destroy();
      await raw.close();
    }
  });

  test('an abort signal fails a body under way with ABORTED', async () => {
    const raw = await startRawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${4 * MiB}\r\n\r\n`);
      socket.write(Buffer.alloc(MiB, 2));
    });
    const client = new HttpClient(normalizeOptions({ proxy: 'none' }));
    const controller = new AbortController();
    try {
      const res = await client.request(new URL(raw.url('/f')), { headers: {}, signal: controller.signal });
      const done = res.body.pipeTo(() => {});
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(done, (err: unknown) => err instanceof ParafetchError && err.code === 'ABORTED');
    } finally {
      await client.destroy();
      await raw.close();
    }
  });
});
