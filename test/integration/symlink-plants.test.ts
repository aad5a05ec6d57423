import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

test('regression: a hard link planted at NAME.part or NAME.part.state.tmp never has the file outside written', async () => {
  const body = bytes(MiB, 62);
  const server = await startServer((req, res) =>
    serveThrottled(req, res, body, { rate: 4 * MiB, etag: '"linked"' }),
  );
  try {
    const dir = await tempDir();
    const outside = await tempDir();
    const victims = ['state.txt', 'part.txt'].map((n) => path.join(outside, n));
    for (const v of victims) await fs.writeFile(v, 'precious');
    await fs.link(victims[0]!, path.join(dir, 'a.bin.part.state.tmp'));
    await fs.link(victims[1]!, path.join(dir, 'b.bin.part'));
    const d = new Downloader([server.url('/a.bin'), server.url('/b.bin')], { dir, checkpointMs: 20 });
    const results = [];
    for await (const r of d) results.push(r);
    for (const v of victims) assert.equal(await fs.readFile(v, 'utf8'), 'precious', `${v} is untouched`);
    const a = results.find((r) => r.url.endsWith('/a.bin'))!;
    const b = results.find((r) => r.url.endsWith('/b.bin'))!;
    assert.equal(a.status, 'ok', 'a state that cannot be saved does not stop the download');
    assert.equal(await fileSha256(path.join(dir, 'a.bin')), sha256(body));
    assert.equal(b.status, 'failed');
    assert.equal(b.error?.code, 'UNSAFE_PATH');
    assert.match(b.error!.message, /hard link/);
    assert.equal(existsSync(path.join(dir, 'b.bin')), false);
  } finally {
    await server.close();
  }
});

test('regression: a FIFO planted at NAME.part.state or NAME.part.state.tmp never hangs the run', async () => {
  const body = bytes(MiB, 63);
  const server = await startServer((req, res) =>
    serveThrottled(req, res, body, { rate: 4 * MiB, etag: '"fifo"' }),
  );
  try {
    const dir = await tempDir();
    // Opening a FIFO waits for the other end: for ever, unless the open does not wait.
    execFileSync('mkfifo', [path.join(dir, 'c.bin.part.state'), path.join(dir, 'd.bin.part.state.tmp')]);
    const d = new Downloader([server.url('/c.bin'), server.url('/d.bin')], { dir, checkpointMs: 20 });
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 10_000)));
    const summary = await Promise.race([d.run(), hung]);
    clearTimeout(timer);
    assert.notEqual(summary, 'hung', 'the run settled');
    assert.equal(summary === 'hung' ? 0 : summary.ok, 2);
    for (const name of ['c.bin', 'd.bin']) assert.equal(await fileSha256(path.join(dir, name)), sha256(body));
  } finally {
    await server.close();
  }
});
