import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exited, spawnCli } from '../cli/cli.js';
import { fileSha256, listFiles, tempDir, waitFor } from '../helpers/fs.js';
import { bytes, sha256, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * A single stream killed once it has a state file; the next run killed as soon as its request
 * is out (before its first checkpoint); a third run at full speed. Each run is the real
 * command, and SIGKILL hits the node process itself.
 */
async function twoCrashes(rerunArgs: string[]): Promise<void> {
  const size = 20 * MiB;
  const body = bytes(size, 77);
  let rate = 200 * KiB;
  let served = 0;
  const server = await startServer((req, res) =>
    serveThrottled(req, res, body, { rate, etag: '"two-crashes"', onSent: (n) => (served += n) }),
  );
  const dir = await tempDir();
  const final = path.join(dir, 'big.bin');
  const args = (extra: string[]) => [
    ...extra,
    '-d',
    dir,
    '-o',
    'big.bin',
    '--progress',
    'none',
    '-q',
    server.url('/big.bin'),
  ];
  try {
    // Run 1: a plain single stream, killed after its first checkpoint (about 3 s in).
    const first = spawnCli(args([]));
    await waitFor(() => existsSync(`${final}.part.state`) && served >= 600 * KiB, 20_000);
    first.kill('SIGKILL');
    await exited(first);

    // Run 2: killed right after it asked for the rest, long before its first checkpoint.
    const asked = server.requests.length;
    const second = spawnCli(args(rerunArgs));
    await waitFor(() => server.requests.length > asked, 20_000);
    await new Promise((r) => setTimeout(r, 50));
    second.kill('SIGKILL');
    await exited(second);
    assert.equal(existsSync(final), false, 'no file under its final name after a crash');

    // Run 3: the whole file, right, whatever the state left behind.
    rate = 64 * MiB;
    const third = await exited(spawnCli(args(rerunArgs)), 60_000);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(await fileSha256(final), sha256(body), 'the file holds the served bytes, no zeros');
    assert.ok(server.requests.length > asked + 1, 'the third run fetched what was missing');
    assert.deepEqual(await listFiles(dir), ['big.bin']);
  } finally {
    await server.close();
  }
}

test('zero-filled file after two crashes: a resumed single stream never lets its state claim a pre-sized part', async () => {
  await twoCrashes([]);
});

test('zero-filled file after two crashes: a single stream resumed over several connections', async () => {
  await twoCrashes(['-x', '4', '-k', '1M']);
});
