import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { MAX_HEADERS } from '../../src/inputs/validate.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';
import { runCli } from './cli.js';

/** Writes `count` lines from `lineAt` to `file` in a bounded loop, a batch at a time. */
async function writeLines(file: string, count: number, lineAt: (n: number) => string): Promise<void> {
  const out = createWriteStream(file);
  const batch = 10_000;
  for (let from = 1; from <= count; from += batch) {
    let text = '';
    for (let n = from; n < from + batch && n <= count; n++) text += `${lineAt(n)}\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

test('an aria2 input with one URL and 200k header= lines: that item fails with file:line, the next one downloads, exit 2', async () => {
  const server = await startServer((req, res) => serveBody(req, res, bytes(1000, 7)));
  try {
    const list = path.join(await tempDir('parafetch-list-'), 'huge.aria2');
    const total = 200_002;
    await writeLines(list, total, (n) =>
      n === 1 ? server.url('/flood.bin') : n === total ? server.url('/next.bin') : `  header=X-H${n}: v`,
    );
    const dir = await tempDir();
    const r = await runCli(['-i', list, '-d', dir, '--progress', 'none'], { ms: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^parafetch: ${list}:${MAX_HEADERS + 2}: more than ${MAX_HEADERS} headers for one item`,
        'm',
      ),
    );
    assert.equal(r.stderr.match(/^parafetch: .*huge\.aria2:/gm)?.length, 1, r.stderr.slice(0, 2000));
    assert.deepEqual(await listFiles(dir), ['next.bin']);
    assert.deepEqual(await fs.readFile(path.join(dir, 'next.bin')), bytes(1000, 7));
    assert.deepEqual(
      server.requests.map((q) => q.url),
      ['/next.bin'],
    );
  } finally {
    await server.close();
  }
});
