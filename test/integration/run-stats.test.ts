import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import type http from 'node:http';
import { test } from 'node:test';
import { Downloader, InvalidOptionError } from '../../src/index.js';
import { tempDir, waitFor } from '../helpers/fs.js';
import { bytes, startServer } from '../helpers/server.js';

test("stats().sizes: a started item's Content-Length and the bytes it holds, then its size once ended; expectItems gives the total early", async () => {
  const body = bytes(64 * 1024, 5);
  const held: http.ServerResponse[] = [];
  const server = await startServer((req, res) => {
    if (req.url === '/missing') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.subarray(0, 1000));
    held.push(res);
  });
  const dir = await tempDir();
  try {
    const items = [server.url('/a.bin'), server.url('/missing'), server.url('/b.bin')];
    const d = new Downloader(items, { dir, concurrency: 2, retries: 0 });
    assert.throws(() => d.expectItems(-1), InvalidOptionError);
    d.expectItems(3);
    assert.equal(d.stats().expected, 3);
    const running = d.run();
    await waitFor(() => held.length === 2 && d.stats().sizes.sizedBytes === 2000, 10_000);
    assert.deepEqual(d.stats().sizes, {
      complete: 0,
      completeBytes: 0,
      endedBytes: 0,
      sized: 2,
      sizedTotal: 2 * body.length,
      sizedBytes: 2000,
      unsized: 0,
      unsizedBytes: 0,
    });
    for (const res of held) res.end(body.subarray(1000));
    const summary = await running;
    assert.equal(summary.ok, 2);
    assert.deepEqual(d.stats().sizes, {
      complete: 2,
      completeBytes: 2 * body.length,
      endedBytes: 0,
      sized: 0,
      sizedTotal: 0,
      sizedBytes: 0,
      unsized: 0,
      unsizedBytes: 0,
    });
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
