import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Downloader } from '../../src/index.js';
import { fileSha256, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, sha256, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const MiB = 1024 * 1024;

test('regression: a symlink planted at NAME.part.state.tmp never takes the state write outside the folder', async () => {
  const body = bytes(MiB, 61);
  let served = 0;
  const server = await startServer((req, res) =>
    serveThrottled(req, res, body, { rate: 2 * MiB, etag: '"plant"', onSent: (n) => (served += n) }),
  );
  try {
    const dir = await tempDir();
    const outside = await tempDir();
    const victim = path.join(outside, 'victim.txt');
    await fs.writeFile(victim, 'precious');
    const missing = path.join(outside, 'created-by-a-link.txt');
    // One planted link to an existing file outside, one to a file that does not exist yet.
    await fs.symlink(victim, path.join(dir, 'a.bin.part.state.tmp'));
    await fs.symlink(missing, path.join(dir, 'b.bin.part.state.tmp'));
    const d = new Downloader([server.url('/a.bin'), server.url('/b.bin')], { dir, checkpointMs: 20 });
    const run = d.run();
    // Both downloads run well past their first checkpoint.
    await waitFor(() => served >= MiB / 2, 10_000);
    const summary = await run;
    assert.equal(summary.ok, 2);
    assert.equal(await fs.readFile(victim, 'utf8'), 'precious', 'the file outside is untouched');
    assert.equal(existsSync(missing), false, 'nothing was created outside');
    assert.equal(await fileSha256(path.join(dir, 'a.bin')), sha256(body));
    assert.equal(await fileSha256(path.join(dir, 'b.bin')), sha256(body));
  } finally {
    await server.close();
  }
});
