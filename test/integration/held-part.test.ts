import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { download } from '../../src/index.js';
import { fileSha256, listFiles, tempDir } from '../helpers/fs.js';
import { startRawServer } from '../helpers/raw-server.js';
import { bytes, sha256 } from '../helpers/server.js';

const fast = { baseMs: 5, maxMs: 20 };

function head(status: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP/1.1 ${status}`, ...lines, 'connection: close', '', ''].join('\r\n');
}

test('regression: a resume that holds every byte already asks for no empty range and keeps the file', async () => {
  const body = bytes(300_000, 93);
  const cut = 120_000;
  const server = await startRawServer((socket, req) => {
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) {
      // The whole file, broken off after `cut` bytes: the next attempt resumes.
      socket.write(head('200 OK', { 'content-length': body.length, etag: '"v"', 'accept-ranges': 'bytes' }));
      socket.write(body.subarray(0, cut), () => setTimeout(() => socket.resetAndDestroy(), 20));
      return;
    }
    const start = Number(m[1]);
    if (start >= body.length) {
      // What a real server says to `bytes=SIZE-(SIZE-1)`.
      socket.write(head('416 Range Not Satisfiable', { 'content-range': `bytes */${body.length}` }));
      socket.end();
      return;
    }
    // The rest, exactly, then (a moment later, so it arrives apart) bytes it never announced.
    socket.write(
      head('206 Partial Content', {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        etag: '"v"',
      }),
    );
    socket.write(body.subarray(start), () =>
      setTimeout(() => socket.write(Buffer.alloc(1000, 0x5a), () => socket.end()), 100),
    );
  });
  try {
    const dir = await tempDir();
    const [r] = await download([{ url: server.url('/h.bin'), sha256: sha256(body) }], {
      dir,
      split: 1,
      retries: 3,
      backoff: fast,
    });
    const ranges = server.requests.map((q) => q.headers.range ?? '');
    assert.deepEqual(ranges, ['', `bytes=${cut}-${body.length - 1}`], 'no request after every byte was held');
    assert.equal(r!.status, 'ok', `${r!.error?.code} ${r!.error?.message}`);
    assert.equal(r!.bytes, body.length);
    assert.equal(r!.sha256, sha256(body));
    assert.equal(await fileSha256(path.join(dir, 'h.bin')), sha256(body));
    assert.deepEqual(await listFiles(dir), ['h.bin']);
  } finally {
    await server.close();
  }
});
