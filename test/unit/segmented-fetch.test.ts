import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fetchSegments } from '../../src/download/segmented.js';
import { SegmentTable } from '../../src/download/segments.js';
import { TruncatedBodyError } from '../../src/errors/index.js';
import { normalizeOptions } from '../../src/engine/options.js';
import { FileSink } from '../../src/storage/file-sink.js';
import { HttpClient } from '../../src/transport/client.js';
import { tempDir } from '../helpers/fs.js';

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
