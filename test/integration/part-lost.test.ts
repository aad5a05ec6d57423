import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Downloader } from '../../src/index.js';
import type { DownloadItem, DownloadResult } from '../../src/index.js';
import { tempDir } from '../helpers/fs.js';
import { startRawServer } from '../helpers/raw-server.js';
import { bytes, sha256 } from '../helpers/server.js';

const fast = { baseMs: 20, maxMs: 40 };

function head(status: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP/1.1 ${status}`, ...lines, 'connection: close', '', ''].join('\r\n');
}

/**
 * The first attempt ends with part of the file on disk (a single stream: a body broken off
 * halfway; split: the ranges after the first answered 500 until the segment gives up); the
 * `.part` file is removed before the retry, which must not continue as if its bytes were there.
 */
async function partRemovedBeforeRetry(split: number, withSha: boolean): Promise<void> {
  const body = bytes(2_000_000, 17);
  let retried = false;
  let full = 0;
  const server = await startRawServer((socket, req) => {
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Number(m[2]) : body.length - 1;
    if (!retried && start > 0) {
      socket.end(head('500 Internal Server Error', { 'content-length': 0 }));
      return;
    }
    const range: Record<string, string> = m
      ? { 'content-range': `bytes ${start}-${end}/${body.length}` }
      : {};
    socket.write(
      head(m ? '206 Partial Content' : '200 OK', {
        ...range,
        'content-length': end - start + 1,
        etag: '"p"',
        'accept-ranges': 'bytes',
      }),
    );
    if (split === 1 && full++ === 0) {
      socket.write(body.subarray(0, 1_000_000), () => setTimeout(() => socket.resetAndDestroy(), 20));
    } else socket.end(body.subarray(start, end + 1));
  });
  try {
    const dir = await tempDir();
    const item: DownloadItem = { url: server.url('/f.bin') };
    if (withSha) item.sha256 = sha256(body);
    const d = new Downloader([item], { dir, retries: 2, backoff: fast, split, minSplitSize: 200_000 });
    d.on('retry', () => {
      rmSync(path.join(dir, 'f.bin.part'), { force: true });
      retried = true;
    });
    const results: DownloadResult[] = [];
    for await (const r of d) results.push(r);
    const [r] = results;
    assert.equal(retried, true);
    const final = path.join(dir, 'f.bin');
    if (r!.status === 'ok') {
      assert.equal(sha256(readFileSync(final)), sha256(body), 'an ok file holds the served bytes, no zeros');
    } else {
      assert.equal(r!.error?.code, 'DISK_ERROR');
      assert.match(r!.error!.message, /already received/);
      assert.equal(existsSync(final), false);
    }
  } finally {
    await server.close();
  }
}

test('regression: a .part file removed between attempts was continued as zeros, and passed its sha256', async () => {
  await partRemovedBeforeRetry(1, true);
});

test('regression: a split .part file removed between attempts was laid out again as zeros', async () => {
  await partRemovedBeforeRetry(4, false);
});
