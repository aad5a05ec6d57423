import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { exited, jsonLines, runCli, spawnCli } from './cli.js';

/** `-c/--continue`: a shorter file at the final name is continued from its length, as wget -c. */

const FULL = bytes(300_000, 41);
let server: TestServer;
/** What the server did: the Range asked for and the body bytes it sent, per request. */
const seen: Array<{ url: string; range: string | undefined; ifRange: string | undefined; sent: number }> = [];
/** `/slow`: the body after the first 16 KiB comes a chunk every 50 ms (for the kill test). */
before(async () => {
  server = await startServer((req, res) => {
    const url = req.url ?? '';
    const entry = {
      url,
      range: req.headers.range,
      ifRange: req.headers['if-range'] as string | undefined,
      sent: 0,
    };
    seen.push(entry);
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = ((chunk: Buffer, ...rest: never[]) => {
      entry.sent += chunk.length;
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: Buffer, ...rest: never[]) => {
      if (Buffer.isBuffer(chunk)) entry.sent += chunk.length;
      return end(chunk as Buffer, ...rest);
    }) as typeof res.end;
    if (url === '/no-ranges.bin') return serveBody(req, res, FULL, { ranges: false });
    if (url === '/slow.bin') {
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, {
        'content-length': FULL.length - start,
        ...(m ? { 'content-range': `bytes ${start}-${FULL.length - 1}/${FULL.length}` } : {}),
      });
      let at = start;
      const timer = setInterval(() => {
        if (res.destroyed || at >= FULL.length) return clearInterval(timer);
        const chunk = FULL.subarray(at, at + 4096);
        at += chunk.length;
        res.write(chunk);
        if (at >= FULL.length) res.end();
      }, 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (url === '/short.bin') return serveBody(req, res, FULL.subarray(0, 1000), { etag: '"s"' });
    serveBody(req, res, FULL, { etag: '"v1"' });
  });
});
after(() => server.close());

async function withPrefix(name: string, length: number): Promise<string> {
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, name), FULL.subarray(0, length));
  return dir;
}

test('-c continues a shorter file from its length: only the rest is sent, and the file is whole', async () => {
  const dir = await withPrefix('f.bin', 120_000);
  seen.length = 0;
  const report = path.join(dir, '..', `${path.basename(dir)}.jsonl`);
  const r = await runCli(['-c', '-q', '-d', dir, '--report', report, server.url('/f.bin')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), FULL);
  assert.deepEqual(
    seen.map((s) => [s.range, s.ifRange, s.sent]),
    [['bytes=120000-', undefined, FULL.length - 120_000]],
    'one range request for the rest, with no validator to send',
  );
  const [record] = jsonLines(await fs.readFile(report, 'utf8'));
  assert.equal(record?.status, 'ok');
  assert.equal(record?.sha256, sha256(FULL), 'the checksum covers the bytes that were there');
  assert.deepEqual(await listFiles(dir), ['f.bin'], 'no part file or state left');
});

test('without -c the shorter file is kept, as before, and nothing is asked', async () => {
  const dir = await withPrefix('f.bin', 120_000);
  seen.length = 0;
  const r = await runCli(['-q', '-d', dir, server.url('/f.bin')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await fs.stat(path.join(dir, 'f.bin'))).size, 120_000);
  assert.equal(seen.length, 0);
});

test('-c on a file already whole: the server says 416 with its size, and the file is skipped untouched', async () => {
  const dir = await withPrefix('f.bin', FULL.length);
  seen.length = 0;
  const r = await runCli(['-c', '--json', '-d', dir, server.url('/f.bin')]);
  assert.equal(r.code, 0, r.stderr);
  const result = jsonLines(r.stdout).find((e) => e.event === 'result');
  assert.equal(result?.status, 'skipped');
  assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), FULL);
  assert.deepEqual(
    seen.map((s) => s.sent),
    [0],
  );
});

test('-c on a file longer than the server has: CANNOT_CONTINUE, and the file is kept as it is', async () => {
  const dir = await withPrefix('short.bin', 5_000);
  const r = await runCli(['-c', '--json', '--retries', '3', '-d', dir, server.url('/short.bin')]);
  assert.equal(r.code, 1, r.stderr);
  const result = jsonLines(r.stdout).find((e) => e.event === 'result') as
    { status: string; attempts: number; error: { code: string; message: string } } | undefined;
  assert.equal(result?.status, 'failed');
  assert.equal(result?.error.code, 'CANNOT_CONTINUE');
  assert.match(result?.error.message ?? '', /5000 bytes, longer than the server's 1000/);
  assert.equal(result?.attempts, 1, 'not retried: asking again cannot help');
  assert.deepEqual(await fs.readFile(path.join(dir, 'short.bin')), FULL.subarray(0, 5_000));
});

test('-c against a server without ranges: the whole file is fetched and replaces the short one', async () => {
  const dir = await withPrefix('no-ranges.bin', 120_000);
  seen.length = 0;
  const r = await runCli(['-c', '-q', '-d', dir, server.url('/no-ranges.bin')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await fs.readFile(path.join(dir, 'no-ranges.bin')), FULL);
  assert.equal(seen[0]?.sent, FULL.length);
});

test('-c with worker threads: the same, on another event loop', async () => {
  const dir = await withPrefix('f.bin', 70_000);
  seen.length = 0;
  const r = await runCli(['-c', '-q', '--workers', '2', '-d', dir, server.url('/f.bin')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), FULL);
  assert.deepEqual(
    seen.map((s) => s.range),
    ['bytes=70000-'],
  );
});

test('killed mid-continue, the file at the final name is the one that was there; -c again ends it whole', async () => {
  const dir = await withPrefix('slow.bin', 100_000);
  seen.length = 0;
  const child = spawnCli(['-c', '-q', '-d', dir, server.url('/slow.bin')]);
  // Well into the rest: the part file holds the copied prefix and more.
  await waitFor(() => (seen[0]?.sent ?? 0) >= 40_000, 20_000);
  child.kill('SIGKILL');
  await exited(child, 10_000);
  assert.deepEqual(
    await fs.readFile(path.join(dir, 'slow.bin')),
    FULL.subarray(0, 100_000),
    'the final name holds exactly what it held: never a mix',
  );
  // The same again: continued from what it finds, it ends whole, with no part file left.
  const r = await runCli(['-c', '-q', '-d', dir, server.url('/slow.bin')], { ms: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await fs.readFile(path.join(dir, 'slow.bin')), FULL);
  assert.deepEqual(await listFiles(dir), ['slow.bin']);
});

test('-c conflicts with --overwrite and --keep-both, by name', async () => {
  for (const other of ['--overwrite', '--keep-both']) {
    const r = await runCli(['-c', other, server.url('/f.bin')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`'-c, --continue' cannot be used with option '${other}'`));
  }
});
