import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/fs.js';
import { CLI, type CliOutput } from './cli.js';

const run = promisify(execFile);

/** A folder where writing more than about `kib` KiB fails, and how the command is started there. */
export interface FullDisk {
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
 * A tmpfs of `kib` KiB when the tests may mount one (root, and a kernel that lets them); otherwise a
 * file-size limit on the command (RLIMIT_FSIZE through `ulimit -f`), under which a write past
 * the limit fails with EFBIG as a full disk fails with ENOSPC. Never nothing.
 */
export async function fullDisk(kib = 2048): Promise<FullDisk> {
  const dir = await tempDir('parafetch-full-');
  const node = (args: readonly string[]) =>
    withOutput(spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  // PARAFETCH_TEST_NO_MOUNT=1 tries the other means as root.
  let refused = process.env.PARAFETCH_TEST_NO_MOUNT ? 'PARAFETCH_TEST_NO_MOUNT is set' : 'not root';
  if (process.getuid?.() === 0 && !process.env.PARAFETCH_TEST_NO_MOUNT) {
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'tmpfs', dir]);
      return {
        dir,
        kind: `a ${kib} KiB tmpfs`,
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
    // `exec`: the limit applies to node itself, which is the child process. kib/2 blocks are
    // a quarter or half of `kib` KiB depending on the shell's unit.
    spawn: (args) =>
      withOutput(
        spawn('/bin/sh', ['-c', `ulimit -f ${kib / 2} && exec "$0" "$@"`, process.execPath, CLI, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
