import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { fileSha256, listFiles, tempDir } from '../helpers/fs.js';
import { startRawServer } from '../helpers/raw-server.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';

const fast = { baseMs: 5, maxMs: 20 };

describe('retries', () => {
  test('a 500 is retried and then succeeds', async () => {
    const body = bytes(5000);
    let calls = 0;
    const server = await startServer((req, res) => {
      if (++calls <= 2) return void res.writeHead(500).end('oops');
      serveBody(req, res, body);
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/x.bin')], { dir, backoff: fast });
      assert.equal(r!.status, 'ok');
      assert.equal(r!.attempts, 3);
      assert.equal(await fileSha256(r!.path!), sha256(body));
    } finally {
      await server.close();
    }
  });

  test('after the retries are spent the item fails with the last status and no file', async () => {
    const server = await startServer((_req, res) => void res.writeHead(502).end());
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/x.bin')], { dir, retries: 2, backoff: fast });
      assert.equal(r!.status, 'failed');
      assert.equal(r!.error?.code, 'HTTP_502');
      assert.equal(r!.attempts, 3);
      assert.equal(server.requests.length, 3);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await server.close();
    }
  });

  test('other 4xx are not retried', async () => {
    const server = await startServer((_req, res) => void res.writeHead(403).end());
    try {
      const [r] = await download([server.url('/x.bin')], { dir: await tempDir(), backoff: fast });
      assert.equal(r!.error?.code, 'HTTP_403');
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });

  for (const [status, retryAfter] of [
    [429, '1'],
    [503, 'date'],
  ] as const) {
    test(`${status} honours Retry-After (${retryAfter === 'date' ? 'HTTP-date' : 'seconds'})`, async () => {
      const body = bytes(100);
      const times: number[] = [];
      const server = await startServer((req, res) => {
        times.push(Date.now());
        if (times.length === 1) {
          const value = retryAfter === 'date' ? new Date(Date.now() + 2000).toUTCString() : retryAfter;
          return void res.writeHead(status, { 'retry-after': value }).end();
        }
        serveBody(req, res, body);
      });
      try {
        const [r] = await download([server.url('/x.bin')], { dir: await tempDir(), backoff: fast });
        assert.equal(r!.status, 'ok');
        const waited = times[1]! - times[0]!;
        // An HTTP-date has whole-second precision: at least 1 s of the 2 s asked for remains.
        assert.ok(waited >= 900, `retried after ${waited} ms, server asked for about a second or more`);
      } finally {
        await server.close();
      }
    });
  }

  test('a Retry-After longer than maxRetryAfterMs fails at once', async () => {
    const server = await startServer((_req, res) => void res.writeHead(429, { 'retry-after': '3600' }).end());
    try {
      const [r] = await download([server.url('/x.bin')], {
        dir: await tempDir(),
        backoff: fast,
        maxRetryAfterMs: 1000,
      });
      assert.equal(r!.error?.code, 'HTTP_429');
      assert.equal(r!.attempts, 1);
    } finally {
      await server.close();
    }
  });

  test('headers that never come time out as HEADERS_TIMEOUT', async () => {
    const server = await startServer(() => {});
    try {
      const [r] = await download([server.url('/x.bin')], {
        dir: await tempDir(),
        retries: 1,
        backoff: fast,
        timeouts: { headers: 150 },
      });
      assert.equal(r!.error?.code, 'HEADERS_TIMEOUT');
      assert.equal(r!.attempts, 2);
    } finally {
      await server.close();
    }
  });

  for (const [name, drip] of [
    [
      'regression: informational (1xx) responses sent for ever held the run for ever',
      () => 'HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n',
    ],
    [
      'one header line at a time, for ever',
      (i: number) => (i === 0 ? 'HTTP/1.1 200 OK\r\n' : `x-${i}: v\r\n`),
    ],
  ] as const) {
    test(`${name}: HEADERS_TIMEOUT once the headers deadline passes`, async () => {
      const server = await startRawServer((socket) => {
        let i = 0;
        const timer = setInterval(() => socket.write(drip(i++)), 40);
        socket.on('close', () => clearInterval(timer));
      });
      try {
        const ac = new AbortController();
        const guard = setTimeout(() => ac.abort(), 5000);
        const [r] = await download([server.url('/x.bin')], {
          dir: await tempDir(),
          retries: 0,
          timeouts: { headers: 300 },
          signal: ac.signal,
        });
        clearTimeout(guard);
        assert.equal(r!.error?.code, 'HEADERS_TIMEOUT', 'ended by the headers deadline, not by the guard');
      } finally {
        await server.close();
      }
    });
  }

  test('a stalled body times out as STALL_TIMEOUT and the partial file is removed', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(100));
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/x.bin')], {
        dir,
        retries: 1,
        backoff: fast,
        timeouts: { stall: 150 },
      });
      assert.equal(r!.error?.code, 'STALL_TIMEOUT');
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await server.close();
    }
  });

  test('a body shorter than Content-Length is never kept: TRUNCATED_BODY', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.end(Buffer.alloc(400));
      req.socket.destroySoon();
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/x.bin')], { dir, retries: 2, backoff: fast });
      assert.equal(r!.status, 'failed');
      assert.equal(r!.error?.code, 'TRUNCATED_BODY');
      assert.equal(r!.attempts, 3);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await server.close();
    }
  });

  test('a refused connection is CONNECTION_REFUSED', async () => {
    const server = await startServer(() => {});
    const url = server.url('/x.bin');
    await server.close();
    const [r] = await download([url], { dir: await tempDir(), retries: 1, backoff: fast });
    assert.equal(r!.error?.code, 'CONNECTION_REFUSED');
    assert.equal(r!.attempts, 2);
  });
});

describe('resuming a broken body', () => {
  /** Sends the first `cut` bytes of the first response, then kills the socket. */
  function dropOnce(body: Buffer, cut: number, serve: Parameters<typeof serveBody>[3] = {}) {
    let calls = 0;
    return startServer((req, res) => {
      if (++calls === 1) {
        res.writeHead(200, {
          'content-length': body.length,
          'accept-ranges': 'bytes',
          ...(serve.etag ? { etag: serve.etag } : {}),
          ...(serve.lastModified ? { 'last-modified': serve.lastModified } : {}),
        });
        res.write(body.subarray(0, cut), () => setTimeout(() => req.socket.destroy(), 20));
        return;
      }
      serveBody(req, res, body, serve);
    });
  }

  test('continues with Range + If-Range (ETag) and fetches only the rest', async () => {
    const body = bytes(200_000, 7);
    const server = await dropOnce(body, 80_000, { etag: '"v1"' });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/big.bin')], { dir, backoff: fast });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(r!.attempts, 2);
      assert.equal(r!.sha256, sha256(body));
      assert.equal(await fileSha256(r!.path!), sha256(body));
      const second = server.requests[1]!;
      assert.match(second.headers.range ?? '', /^bytes=\d+-(199999)?$/);
      assert.equal(second.headers['if-range'], '"v1"');
      assert.ok(Number(/\d+/.exec(second.headers.range!)![0]) > 0);
    } finally {
      await server.close();
    }
  });

  test('uses Last-Modified as the validator when there is no strong ETag', async () => {
    const body = bytes(100_000, 8);
    const lastModified = new Date(Date.UTC(2024, 0, 1)).toUTCString();
    const server = await dropOnce(body, 30_000, { etag: 'W/"weak"', lastModified });
    try {
      const [r] = await download([server.url('/big.bin')], { dir: await tempDir(), backoff: fast });
      assert.equal(r!.sha256, sha256(body));
      assert.equal(server.requests[1]!.headers['if-range'], lastModified);
    } finally {
      await server.close();
    }
  });

  test('a server that ignores Range gets a clean restart, never a splice', async () => {
    const body = bytes(150_000, 9);
    const server = await dropOnce(body, 50_000, { etag: '"v1"', ranges: false });
    try {
      const [r] = await download([server.url('/big.bin')], { dir: await tempDir(), backoff: fast });
      assert.equal(r!.status, 'ok');
      assert.equal(await fileSha256(r!.path!), sha256(body));
    } finally {
      await server.close();
    }
  });

  test('without any validator the retry starts from zero', async () => {
    const body = bytes(90_000, 10);
    const server = await dropOnce(body, 40_000);
    try {
      const [r] = await download([server.url('/big.bin')], { dir: await tempDir(), backoff: fast });
      assert.equal(await fileSha256(r!.path!), sha256(body));
      // No range, or the whole file as one (what a download that may be split asks first).
      assert.ok([undefined, 'bytes=0-'].includes(server.requests[1]!.headers.range));
    } finally {
      await server.close();
    }
  });

  test('an ETag that changed between attempts: If-Range brings the new version whole', async () => {
    const v1 = bytes(120_000, 11);
    const v2 = bytes(130_000, 12);
    let calls = 0;
    const server = await startServer((req, res) => {
      if (++calls === 1) {
        res.writeHead(200, { 'content-length': v1.length, etag: '"v1"', 'accept-ranges': 'bytes' });
        res.write(v1.subarray(0, 60_000), () => setTimeout(() => req.socket.destroy(), 20));
        return;
      }
      serveBody(req, res, v2, { etag: '"v2"' });
    });
    try {
      const [r] = await download([server.url('/big.bin')], { dir: await tempDir(), backoff: fast });
      assert.equal(r!.status, 'ok');
      assert.equal(server.requests[1]!.headers['if-range'], '"v1"');
      assert.equal(await fileSha256(r!.path!), sha256(v2));
    } finally {
      await server.close();
    }
  });

  test('a server that ignores If-Range and sends 206 of a new version is caught: restart, no splice', async () => {
    const v1 = bytes(120_000, 13);
    const v2 = bytes(120_000, 14);
    let calls = 0;
    const server = await startServer((req, res) => {
      if (++calls === 1) {
        res.writeHead(200, { 'content-length': v1.length, etag: '"v1"', 'accept-ranges': 'bytes' });
        res.write(v1.subarray(0, 60_000), () => setTimeout(() => req.socket.destroy(), 20));
        return;
      }
      serveBody(req, res, v2, { etag: '"v2"', ifRange: false });
    });
    try {
      const [r] = await download([server.url('/big.bin')], { dir: await tempDir(), backoff: fast });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(r!.attempts, 3);
      assert.equal(await fileSha256(r!.path!), sha256(v2));
      assert.ok([undefined, 'bytes=0-'].includes(server.requests[2]!.headers.range));
    } finally {
      await server.close();
    }
  });
});
