import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';
import { exited, jsonLines } from './cli.js';
import { fullDisk } from './full-disk.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const files: Record<string, Buffer> = {
  'a.bin': bytes(100 * KiB, 1),
  'b.bin': bytes(200 * KiB, 2),
  'big.bin': bytes(3 * MiB, 3),
  'c.bin': bytes(150 * KiB, 4),
};

for (const [how, extra] of [
  ['one stream', []],
  ['split over 4 connections', ['-x', '4', '-k', '256K']],
] as const) {
  test(`disk full (${how}): the file that does not fit is a DISK_ERROR, nothing partial is left, the others are right`, async (t) => {
    const server = await startServer((req, res) => {
      const body = files[(req.url ?? '').slice(1)];
      if (body) serveBody(req, res, body, { etag: '"v1"' });
      else res.writeHead(404).end();
    });
    const disk = await fullDisk();
    t.diagnostic(`a full disk is ${disk.kind}`);
    try {
      const report = path.join(await tempDir(), 'report.jsonl');
      // One at a time, in order: c.bin starts after big.bin failed.
      const urls = Object.keys(files).map((name) => server.url(`/${name}`));
      const child = disk.spawn([
        '-d',
        disk.dir,
        '-j',
        '1',
        ...extra,
        '--report',
        report,
        '--progress',
        'plain',
        ...urls,
      ]);
      const r = await exited(child, 30_000);
      assert.equal(r.code, 1, r.stderr);
      const records = jsonLines(await fs.readFile(report, 'utf8'));
      const byPath = new Map(records.map((rec) => [rec.path, rec]));
      const big = byPath.get('big.bin');
      assert.equal(big?.status, 'failed', r.stderr);
      const error = big?.error as { code: string; message: string };
      assert.equal(error.code, 'DISK_ERROR');
      assert.match(error.message, /big\.bin\.part/, 'the message names the file');
      assert.match(error.message, disk.errno, 'the message says why');
      assert.match(r.stderr, /^failed {3}DISK_ERROR {2}.*big\.bin/m);
      for (const name of ['a.bin', 'b.bin', 'c.bin']) assert.equal(byPath.get(name)?.status, 'ok', name);
      assert.deepEqual(
        await listFiles(disk.dir),
        ['a.bin', 'b.bin', 'c.bin'],
        'nothing partial, no part or state file',
      );
      for (const name of ['a.bin', 'b.bin', 'c.bin']) {
        assert.deepEqual(await fs.readFile(path.join(disk.dir, name)), files[name], name);
      }
    } finally {
      await disk.cleanup();
      await server.close();
    }
  });
}
