import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { HttpClient } from '../../src/transport/client.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { startRawServer, type RawServer } from '../helpers/raw-server.js';
import { bytes } from '../helpers/server.js';

const fast = { baseMs: 5, maxMs: 20 };
const BODY = bytes(64 * 1024, 7);
const HALF = BODY.subarray(0, BODY.length / 2);
const BIG = bytes(4 * 1024 * 1024, 3);

/** Writes `data`, then resets the connection (RST) once the bytes are on their way. */
function sendThenReset(socket: net.Socket, head: string, data: Buffer): void {
  socket.write(head);
  socket.write(data, () => setTimeout(() => socket.resetAndDestroy(), 20));
}

/** Writes `data`, then closes the connection cleanly (FIN). */
function sendThenEnd(socket: net.Socket, head: string, data: Buffer): void {
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), data]));
}

async function withRaw(
  respond: (socket: net.Socket, attempt: number, range: string | undefined) => void,
  run: (server: RawServer) => Promise<void>,
): Promise<void> {
  let attempt = 0;
  const server = await startRawServer((socket, req) => respond(socket, ++attempt, req.headers.range));
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe('a body without Content-Length that ends by the connection closing', () => {
  for (const [name, head] of [
    ['HTTP/1.0', 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n'],
    ['HTTP/1.1 with Connection: close', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'],
  ] as const) {
    test(`${name}: a reset mid-body is CONNECTION_RESET, not the end of the file`, async () => {
      await withRaw(
        (socket) => sendThenReset(socket, head, HALF),
        async (server) => {
          const dir = await tempDir();
          const [r] = await download([server.url('/f.bin')], { dir, retries: 0, proxy: 'none' });
          assert.equal(r!.status, 'failed');
          assert.equal(r!.error?.code, 'CONNECTION_RESET');
          assert.ok(!(await listFiles(dir)).includes('f.bin'), 'no file under its final name');
        },
      );
    });

    test(`${name}: a clean close ends the body with exactly the bytes sent`, async () => {
      await withRaw(
        (socket) => sendThenEnd(socket, head, HALF),
        async (server) => {
          const dir = await tempDir();
          const [r] = await download([server.url('/f.bin')], { dir, retries: 0, proxy: 'none' });
          assert.equal(r!.status, 'ok');
          assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), HALF);
        },
      );
    });
  }

  test('a small body with Content-Length and Connection: close, reset halfway, is never saved', async () => {
    const small = BODY.subarray(0, 1000);
    await withRaw(
      (socket) =>
        sendThenReset(
          socket,
          `HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: ${small.length}\r\n\r\n`,
          small.subarray(0, 500),
        ),
      async (server) => {
        const dir = await tempDir();
        const [r] = await download([server.url('/f.bin')], { dir, retries: 0, proxy: 'none' });
        assert.equal(r!.status, 'failed');
        assert.ok(['CONNECTION_RESET', 'TRUNCATED_BODY'].includes(r!.error!.code), r!.error!.code);
        assert.ok(!(await listFiles(dir)).includes('f.bin'), 'no file under its final name');
      },
    );
  });

  test('a reset mid-body is retried, and the retry that ends cleanly saves the whole body', async () => {
    await withRaw(
      (socket, attempt) =>
        attempt === 1
          ? sendThenReset(socket, 'HTTP/1.0 200 OK\r\n\r\n', HALF)
          : sendThenEnd(socket, 'HTTP/1.0 200 OK\r\n\r\n', BODY),
      async (server) => {
        const dir = await tempDir();
        const [r] = await download([server.url('/f.bin')], { dir, retries: 2, backoff: fast, proxy: 'none' });
        assert.equal(r!.status, 'ok');
        assert.equal(r!.attempts, 2);
        assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), BODY);
      },
    );
  });

  test('a reset of a resumed range without Content-Length is retried, never taken as the end', async () => {
    const total = BODY.length;
    const validators = 'ETag: "v1"\r\nAccept-Ranges: bytes\r\n';
    await withRaw(
      (socket, attempt, range) => {
        const from = range ? Number(/^bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
        const head = range
          ? `HTTP/1.1 206 Partial Content\r\nConnection: close\r\n${validators}` +
            `Content-Range: bytes ${from}-${total - 1}/${total}\r\n\r\n`
          : `HTTP/1.0 200 OK\r\n${validators}\r\n`;
        const rest = BODY.subarray(from);
        // Two resets, each after a quarter of what was asked for; then the rest, cleanly.
        if (attempt <= 2) sendThenReset(socket, head, rest.subarray(0, BODY.length / 4));
        else sendThenEnd(socket, head, rest);
      },
      async (server) => {
        const dir = await tempDir();
        const [r] = await download([server.url('/f.bin')], { dir, retries: 3, backoff: fast, proxy: 'none' });
        assert.equal(r!.status, 'ok');
        assert.equal(r!.attempts, 3);
        assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), BODY);
      },
    );
  });

  for (const [name, head] of [
    ['without Content-Length', 'HTTP/1.0 200 OK\r\n\r\n'],
    [
      'with Content-Length and Connection: close',
      `HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: ${BIG.length}\r\n\r\n`,
    ],
  ] as const) {
    test(`a clean close ${name} while the reader is behind neither crashes nor cuts the body`, async () => {
      await withRaw(
        (socket) => sendThenEnd(socket, head, BIG),
        async (server) => {
          const client = new HttpClient({
            perHost: 2,
            timeouts: { connect: 5000, headers: 5000, stall: 5000 },
            insecure: false,
            ca: undefined,
            proxy: 'none',
          });
          try {
            for (let round = 0; round < 5; round++) {
              const res = await client.request(new URL(server.url('/f.bin')), { headers: {} });
              const chunks: Buffer[] = [];
              // A reader slower than loopback: the parser pauses, and the FIN comes meanwhile.
              await res.body.pipeTo((chunk) => {
                chunks.push(chunk);
                setTimeout(() => res.body.resume(), 1);
                return false;
              });
              assert.ok(Buffer.concat(chunks).equals(BIG), `round ${round}: the exact bytes sent`);
            }
          } finally {
            await client.close();
          }
        },
      );
    });
  }
});
