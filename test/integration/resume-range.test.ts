import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { startRawServer } from '../helpers/raw-server.js';
import { bytes, sha256 } from '../helpers/server.js';

const fast = { baseMs: 5, maxMs: 20 };

function head(status: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP/1.1 ${status}`, ...lines, 'connection: close', '', ''].join('\r\n');
}

describe('a 206 answering a single stream resume', () => {
  test('regression: a Content-Range of another total size, under the same ETag, is another version: no splice', async () => {
    const v1 = bytes(600_000, 1);
    const v2 = bytes(900_000, 2);
    let full = 0;
    const server = await startRawServer((socket, req) => {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (m) {
        // The rest of a larger version, under the ETag of the first one.
        const start = Number(m[1]);
        socket.write(
          head('206 Partial Content', {
            'content-range': `bytes ${start}-${v2.length - 1}/${v2.length}`,
            'content-length': v2.length - start,
            etag: '"v"',
          }),
        );
        socket.end(v2.subarray(start));
        return;
      }
      if (++full === 1) {
        // The first version, broken off: the next attempt resumes.
        socket.write(head('200 OK', { 'content-length': v1.length, etag: '"v"', 'accept-ranges': 'bytes' }));
        socket.write(v1.subarray(0, 250_000), () => setTimeout(() => socket.resetAndDestroy(), 20));
        return;
      }
      socket.write(head('200 OK', { 'content-length': v2.length, etag: '"v"', 'accept-ranges': 'bytes' }));
      socket.end(v2);
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/f.bin')], { dir, retries: 3, backoff: fast, split: 1 });
      assert.equal(r!.status, 'ok', r!.error?.message);
      const got = readFileSync(path.join(dir, 'f.bin'));
      assert.equal(got.length, v2.length);
      assert.equal(sha256(got), sha256(v2), 'one version, whole: the second one, from its first byte');
      assert.equal(server.requests.length, 3, 'the 206 of another size brought a restart from zero');
      assert.deepEqual(await listFiles(dir), ['f.bin']);
    } finally {
      await server.close();
    }
  });

  test('regression: a Content-Range with an unknown size (`*`) never makes a short file complete', async () => {
    const body = bytes(600_000, 3);
    let full = 0;
    const server = await startRawServer((socket, req) => {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (m) {
        // A slice of what was asked, its size left unsaid.
        const start = Number(m[1]);
        const end = Math.min(start + 99_999, body.length - 1);
        socket.write(
          head('206 Partial Content', {
            'content-range': `bytes ${start}-${end}/*`,
            'content-length': end - start + 1,
            etag: '"v"',
          }),
        );
        socket.end(body.subarray(start, end + 1));
        return;
      }
      full++;
      socket.write(head('200 OK', { 'content-length': body.length, etag: '"v"', 'accept-ranges': 'bytes' }));
      socket.write(body.subarray(0, 250_000), () => setTimeout(() => socket.resetAndDestroy(), 20));
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/f.bin')], { dir, retries: 5, backoff: fast, split: 1 });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(full, 1, 'each slice continued the bytes on disk');
      assert.equal(
        sha256(readFileSync(path.join(dir, 'f.bin'))),
        sha256(body),
        'the whole file, not the first slices',
      );
    } finally {
      await server.close();
    }
  });
});
