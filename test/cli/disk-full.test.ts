import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';
import { CLI, exited, jsonLines, type CliOutput } from './cli.js';

const run = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * KiB;

/** A folder where writing more than about 1 MiB fails, and how the command is started there. */
interface FullDisk {
  dir: string;
  /** What stands for a full disk, for the test's diagnostics. */
  kind: string;
  /** The errno a write past the limit gets. */
  errno: RegExp;
  spawn(args: readonly string[]): ReturnType<typeof spawn> & { output: CliOutput };
  cleanup(): Promise<void>;
}

function withOutput(child: ReturnType<typeof spawn>): ReturnType<typeof spawn> & { output: CliOutput } {
  const output: CliOutput = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (output.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (output.stderr += s));
  return Object.assign(child, { output });
}

/**
 * A 2 MiB tmpfs when the tests may mount one (root, and a kernel that lets them); otherwise a
 * file-size limit on the command (RLIMIT_FSIZE through `ulimit -f`), under which a write past
 * the limit fails with EFBIG as a full disk fails with ENOSPC. Never nothing.
 */
async function fullDisk(): Promise<FullDisk> {
  const dir = await tempDir('parafetch-full-');
  const node = (args: readonly string[]) =>
    withOutput(spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  // PARAFETCH_TEST_NO_MOUNT=1 tries the other means as root.
  let refused = process.env.PARAFETCH_TEST_NO_MOUNT ? 'PARAFETCH_TEST_NO_MOUNT is set' : 'not root';
  if (process.getuid?.() === 0 && !process.env.PARAFETCH_TEST_NO_MOUNT) {
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', dir]);
      return {
        dir,
        kind: 'a 2 MiB tmpfs',
        errno: /ENOSPC: no space left on device/,
        spawn: node,
        cleanup: async () => {
          await run('umount', [dir]);
          await fs.rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      refused = `mount refused: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  return {
    dir,
    kind: `a file-size limit (ulimit -f; ${refused})`,
    errno: /EFBIG: file too large/,
    // `exec`: the limit applies to node itself, which is the child process. 1024 blocks are
    // 512 KiB or 1 MiB depending on the shell's unit; either way the small files fit.
    spawn: (args) =>
      withOutput(
        spawn('/bin/sh', ['-c', 'ulimit -f 1024 && exec "$0" "$@"', process.execPath, CLI, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

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
