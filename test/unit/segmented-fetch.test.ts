import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchSegments } from '../../src/download/segmented.js';
import { SegmentTable } from '../../src/download/segments.js';
import { TruncatedBodyError } from '../../src/errors/index.js';
import { normalizeOptions } from '../../src/engine/options.js';
import { FileSink } from '../../src/storage/file-sink.js';
import { HttpClient } from '../../src/transport/client.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';

test('a table left with a range nobody fetched is a truncated body, never a finished file', async () => {
  const table = new SegmentTable(
    2000,
    [],
    [
      [0, 1000],
      [1000, 2000],
    ],
    { minBytes: 1000, minMs: 0 },
  );
  const stuck = table.take(0)!; // held but never fetched: no connection may take it, nothing is left to steal
  stuck.pos = 500;
  table.take(0)!.pos = 2000;
  const sink = await FileSink.open(path.join(await tempDir(), 'f.part'), { truncate: true });
  const client = new HttpClient(normalizeOptions());
  try {
    await assert.rejects(
      fetchSegments({
        client,
        url: new URL('http://127.0.0.1:9/never'),
        headers: {},
        validator: { etag: '"v"' },
        table,
        sink,
        connections: 2,
        maxRedirects: 0,
        signal: new AbortController().signal,
        retryDelay: () => undefined,
        onBytes: () => {},
      }),
      (err: unknown) => err instanceof TruncatedBodyError && err.code === 'TRUNCATED_BODY',
    );
  } finally {
    await sink.close(true);
    await client.close();
  }
});

test('a segment given up after a dropped connection is fetched by one connection only, never two at once', async () => {
  // Two segments, too small to split. The connection on the second one is dropped after 100
  // bytes and waits before retrying; meanwhile the other connection finishes the first segment
  // and takes the second over. When the waiting connection wakes, it must not take the second
  // segment too: two connections on one range move its position under each other's requests.
  const body = bytes(2000, 41);
  let dropped!: () => void;
  const drop = new Promise<void>((resolve) => (dropped = resolve));
  let droppedYet = false;
  const retries: Array<{ start: number; res: http.ServerResponse }> = [];
  const serveRetries = async (deadline: number) => {
    // Holds the first retry until a second one comes (or the deadline), so that two
    // connections working one range would both have a request out; then answers them in turn.
    while (retries.length < 2 && performance.now() < deadline) await sleep(10);
    for (const r of retries.splice(0)) {
      r.res.writeHead(206, {
        'content-range': `bytes ${r.start}-1999/2000`,
        'content-length': 2000 - r.start,
        etag: '"v"',
      });
      await new Promise<void>((resolve) => r.res.end(body.subarray(r.start), resolve));
    }
  };
  const server = await startServer((req, res) => {
    const start = Number(/^bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1]);
    if (start === 0) {
      void drop.then(() => sleep(50)).then(() => serveBody(req, res, body, { etag: '"v"' }));
    } else if (!droppedYet) {
      droppedYet = true;
      res.writeHead(206, {
        'content-range': `bytes ${start}-1999/2000`,
        'content-length': 2000 - start,
        etag: '"v"',
      });
      res.write(body.subarray(start, start + 100), () =>
        setTimeout(() => {
          req.socket.destroy();
          dropped();
          void serveRetries(performance.now() + 1000);
        }, 10),
      );
    } else retries.push({ start, res });
  });
  const table = new SegmentTable(
    2000,
    [],
    [
      [0, 1000],
      [1000, 2000],
    ],
    { minBytes: 1000, minMs: 0 },
  );
  const file = path.join(await tempDir(), 'f.part');
  const sink = await FileSink.open(file, { truncate: true });
  const client = new HttpClient(normalizeOptions());
  try {
    await fetchSegments({
      client,
      url: new URL(server.url('/f')),
      headers: {},
      validator: { etag: '"v"' },
      table,
      sink,
      connections: 2,
      maxRedirects: 0,
      signal: new AbortController().signal,
      retryDelay: (failures) => (failures <= 2 ? 400 : undefined),
      onBytes: () => {},
    });
    await sink.flush();
    const ranged = server.requests.map((r) => r.headers.range);
    assert.equal(ranged.length, 3, `one retry of the dropped range, got ${ranged.join(', ')}`);
    assert.ok((await readFile(file)).equals(body), 'every byte written once, at its offset');
  } finally {
    await sink.close(true);
    await client.close();
    await server.close();
  }
});
