import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { startRawServer } from '../helpers/raw-server.js';
import { bytes } from '../helpers/server.js';

const fast = { baseMs: 5, maxMs: 20 };
const junk = Buffer.alloc(50_000, 0x5a);

function head(status: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP/1.1 ${status}`, ...lines, 'connection: close', '', ''].join('\r\n');
}

describe('a 206 whose body runs past its own Content-Range', () => {
  test('regression: a resumed single stream never writes or commits bytes past its range', async () => {
    const body = bytes(600_000, 91);
    const cut = 250_000;
    const server = await startRawServer((socket, req) => {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!m) {
        // The whole file, broken off after `cut` bytes: the next attempt resumes.
        socket.write(
          head('200 OK', { 'content-length': body.length, etag: '"v"', 'accept-ranges': 'bytes' }),
        );
        socket.write(body.subarray(0, cut), () => setTimeout(() => socket.resetAndDestroy(), 20));
        return;
      }
      const start = Number(m[1]);
      // The right range, then bytes it never announced, with no length to stop at.
      socket.write(
        head('206 Partial Content', {
          'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
          etag: '"v"',
        }),
      );
      socket.write(Buffer.concat([body.subarray(start), junk]), () => socket.end());
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/f.bin')], { dir, retries: 2, backoff: fast });
      assert.equal(r!.status, 'failed', 'never ok with bytes past the range');
      assert.equal(r!.error?.code, 'BODY_TOO_LONG');
      assert.ok(server.requests.length >= 2);
      assert.match(
        server.requests[1]!.headers.range ?? '',
        /^bytes=\d+-599999$/,
        'the range asked ends at the size',
      );
      assert.equal(existsSync(path.join(dir, 'f.bin')), false);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await server.close();
    }
  });

  test('a segment never writes past the range its response names', async () => {
    const size = 4 * 1024 * 1024;
    const body = bytes(size, 92);
    const server = await startRawServer((socket, req) => {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = Number(m?.[1] ?? 0);
      const end = m?.[2] ? Number(m[2]) : size - 1;
      if (start === 0) {
        socket.write(
          head('206 Partial Content', {
            'content-range': `bytes 0-${end}/${size}`,
            'content-length': end + 1,
            etag: '"s"',
          }),
        );
        socket.write(body.subarray(0, end + 1), () => socket.end());
        return;
      }
      // Announces half the range asked for, then sends junk for the rest.
      const half = start + Math.floor((end - start) / 2);
      socket.write(
        head('206 Partial Content', { 'content-range': `bytes ${start}-${half}/${size}`, etag: '"s"' }),
      );
      socket.write(Buffer.concat([body.subarray(start, half + 1), Buffer.alloc(end - half, 0x5a)]), () =>
        socket.end(),
      );
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/s.bin')], {
        dir,
        split: 4,
        minSplitSize: 256 * 1024,
        retries: 1,
        backoff: fast,
      });
      assert.equal(r!.status, 'failed', 'never ok with junk past a range');
      assert.equal(r!.error?.code, 'BODY_TOO_LONG');
      assert.equal(existsSync(path.join(dir, 's.bin')), false);
    } finally {
      await server.close();
    }
  });
});
