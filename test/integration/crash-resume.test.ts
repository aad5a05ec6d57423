import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CLI as cli } from '../cli/cli.js';
import { fileSha256, listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, sha256, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const KiB = 1024;
const MiB = 1024 * KiB;

test('SIGKILL of the command at random moments, then a re-run: right bytes, nothing fetched twice beyond one segment per connection', async (t) => {
  const size = 8 * MiB;
  const connections = 4;
  const minSplit = 256 * KiB;
  const body = bytes(size, 41);
  let served = 0;
  const server = await startServer((req, res) =>
    serveThrottled(req, res, body, { rate: 1 * MiB, etag: '"crash"', onSent: (n) => (served += n) }),
  );
  const dir = await tempDir();
  const args = [
    cli,
    '-x',
    String(connections),
    '-k',
    '256K',
    '-d',
    dir,
    '-o',
    'big.bin',
    '--progress',
    'none',
    '-q',
  ];
  const run = () => spawn(process.execPath, [...args, server.url('/big.bin')], { stdio: 'ignore' });
  const kills: number[] = [];
  try {
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const before = served;
      // Somewhere between 0.25 and 1.25 MiB into this round.
      const at = Math.round((0.25 + Math.random()) * MiB);
      kills.push(at);
      const child = run();
      await waitFor(() => served - before >= at, 20_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(
        existsSync(path.join(dir, 'big.bin')),
        false,
        'no file under its final name after a crash',
      );
    }
    const resumedBytes = served;
    const child = run();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    assert.equal(await fileSha256(path.join(dir, 'big.bin')), sha256(body));
    assert.deepEqual(await listFiles(dir), ['big.bin'], 'part and state files are gone');
    const waste = served - size;
    t.diagnostic(`fetched ${served - size} bytes more than the file over ${rounds} crashes`);
    assert.ok(
      waste <= rounds * connections * minSplit,
      `fetched ${served} bytes for ${size} (kills at ${kills.join(', ')}; ${resumedBytes} before the last run)`,
    );
    const ranged = server.requests.filter((r) => r.headers['if-range'] === '"crash"');
    assert.ok(ranged.length > 0, 'later runs resumed with If-Range');
  } finally {
    await server.close();
  }
});
