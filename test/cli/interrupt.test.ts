import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';
import { exited, jsonLines, runCli, spawnCli } from './cli.js';

const SIZE = 64 * 1024;
const body = (p: string) => bytes(SIZE, p.length);

for (const { loops, extra } of [
  { loops: 'one loop', extra: ['--workers', '1'] },
  // Three loops of 4 connections each: the slow files are spread over worker threads.
  { loops: 'three loops', extra: ['--workers', '3', '-j', '12'] },
]) {
  test(`Ctrl-C stops cleanly on ${loops} (exit 130, summary, .part kept); the same command again finishes without re-downloading`, async () => {
    let stalling = true;
    const server = await startServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/slow/') && stalling) {
        // Half the body, then nothing: in flight when Ctrl-C comes.
        res.writeHead(200, { 'content-length': SIZE, etag: '"v1"', 'accept-ranges': 'bytes' });
        res.write(body(url).subarray(0, SIZE / 2));
        return;
      }
      serveBody(req, res, body(url), { etag: '"v1"' });
    });
    try {
      const work = await tempDir();
      const dir = path.join(work, 'out');
      const list = path.join(work, 'list.txt');
      const fast = Array.from({ length: 5 }, (_, i) => `/fast/f${i}.bin`);
      const slow = Array.from({ length: 3 }, (_, i) => `/slow/s${i}.bin`);
      await fs.writeFile(list, [...fast, ...slow].map((p) => `${server.url(p)}\n`).join(''));
      const report = path.join(work, 'report.jsonl');
      const args = ['-i', list, '-d', dir, '-j', '8', '--report', report, '--progress', 'plain', ...extra];

      const child = spawnCli(args);
      const done = exited(child);
      // The report is written as results arrive: wait for the five fast files in it.
      await waitFor(
        () => child.output.stderr.split('\n').filter((l) => l.startsWith('ok ')).length === 5,
        10_000,
      );
      await waitFor(() => server.requests.filter((q) => q.url.startsWith('/slow/')).length === 3, 5000);
      // The report file is written through a stream: give its last lines a moment to land.
      const okInReport = () => {
        try {
          return jsonLines(readFileSync(report, 'utf8')).filter((r) => r.status === 'ok').length;
        } catch {
          return 0; // not created yet
        }
      };
      await waitFor(() => okInReport() === 5, 5000).catch(() => {});
      const reported = jsonLines(await fs.readFile(report, 'utf8'));
      assert.equal(
        reported.filter((r) => r.status === 'ok').length,
        5,
        'results reach the report before the end',
      );
      child.kill('SIGINT');
      const interrupted = await done;

      assert.equal(interrupted.code, 130, interrupted.stderr);
      assert.match(interrupted.stderr, /interrupted: stopping/);
      assert.match(interrupted.stderr, /^Stopped: 5 ok, 0 skipped, 0 failed, 3 interrupted, 0 not started;/m);
      assert.doesNotMatch(interrupted.stderr, /ABORTED/);
      assert.match(interrupted.stderr, /Run the same command again to resume/);
      const files = await listFiles(dir);
      assert.deepEqual(
        files.filter((f) => !f.endsWith('.part') && !f.endsWith('.part.state')),
        fast.map((p) => path.basename(p)).sort(),
      );
      for (const p of slow) {
        assert.ok(files.includes(`${path.basename(p)}.part`), `${p}: its .part is kept: ${files.join(' ')}`);
        assert.ok(files.includes(`${path.basename(p)}.part.state`), `${p}: with its resume state`);
      }
      const aborted = jsonLines(await fs.readFile(report, 'utf8')).filter((r) => r.status === 'cancelled');
      assert.deepEqual(
        aborted.map((r) => (r.error as { code: string }).code),
        ['ABORTED', 'ABORTED', 'ABORTED'],
      );

      stalling = false;
      const before = server.requests.length;
      const again = await runCli(args);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(
        server.requests
          .slice(before)
          .map((q) => q.url)
          .sort(),
        slow,
        'only the unfinished files are requested',
      );
      for (const q of server.requests.slice(before)) {
        assert.equal(q.headers.range, `bytes=${SIZE / 2}-${SIZE - 1}`, `${q.url} continues from its .part`);
      }
      assert.match(again.stderr, /^Done: 3 ok, 5 skipped, 0 failed;/m);
      for (const p of [...fast, ...slow]) {
        assert.deepEqual(await fs.readFile(path.join(dir, path.basename(p))), body(p), p);
      }
      assert.deepEqual(
        (await listFiles(dir)).filter((f) => f.includes('.part')),
        [],
      );
    } finally {
      await server.close();
    }
  });
}

test('two Ctrl-C in a row still end the command with 130', async () => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write(Buffer.alloc(10)); // and stall
  });
  try {
    const child = spawnCli(['-d', await tempDir(), '-q', server.url('/stuck.bin')]);
    const done = exited(child, 10_000);
    await waitFor(() => server.requests.length === 1, 5000);
    child.kill('SIGINT');
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 130);
  } finally {
    await server.close();
  }
});

test('Ctrl-C: items that never started are not failures, counted apart in the summary, the report and the --json end', async () => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-length': SIZE, etag: '"v1"', 'accept-ranges': 'bytes' });
    res.write(Buffer.alloc(10)); // and stall
  });
  try {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    await fs.writeFile(list, Array.from({ length: 40 }, (_, i) => `${server.url(`/f${i}.bin`)}\n`).join(''));
    const report = path.join(work, 'report.jsonl');
    const failed = path.join(work, 'failed.txt');
    const child = spawnCli([
      '-i',
      list,
      '-d',
      path.join(work, 'out'),
      '-j',
      '2',
      '--json',
      '--report',
      report,
      '--save-failed',
      failed,
      '--progress',
      'none',
    ]);
    const done = exited(child);
    await waitFor(() => server.requests.length === 2, 5000);
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /^Stopped: 0 ok, 0 skipped, 0 failed, 2 interrupted, 38 not started;/m);
    const end = jsonLines(r.stdout).find((e) => e.event === 'end')!;
    assert.equal(end.failed, 0);
    assert.equal(end.cancelled, 40);
    assert.equal(end.notStarted, 38);
    assert.deepEqual(end.failuresByCode, {});
    const lines = jsonLines(await fs.readFile(report, 'utf8'));
    assert.equal(lines.length, 40);
    assert.ok(lines.every((l) => l.status === 'cancelled'));
    assert.equal(lines.filter((l) => l.attempts === 0).length, 38);
    assert.equal(await fs.readFile(failed, 'utf8'), '', 'cancelled items are not saved as failed');
  } finally {
    await server.close();
  }
});
