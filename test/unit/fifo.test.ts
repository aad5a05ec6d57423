import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '../helpers/fs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const storage = (name: string) => pathToFileURL(path.resolve(here, `../../src/storage/${name}.js`)).href;

/** Makes FIFOs with mkfifo(1); a machine without it fails the test saying how to get it. */
function mkfifo(...paths: string[]): void {
  try {
    execFileSync('mkfifo', paths, { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `mkfifo failed (${(err as Error).message}); it comes with coreutils: apt-get install coreutils`,
    );
  }
}

test('regression: a FIFO planted at a part or state name fails with DISK_ERROR instead of hanging the run', async () => {
  const dir = await tempDir();
  mkfifo(...['small.part', 'big.part', 'f.part.state'].map((name) => path.join(dir, name)));
  // In a child process: a blocking open would hang it (and a direct one, its event loop),
  // so the child is bounded in time and its answers read from its output.
  const script = `
      const { writeSmallFileSync } = await import(${JSON.stringify(storage('small-file'))});
      const { FileSink } = await import(${JSON.stringify(storage('file-sink'))});
      const { loadState } = await import(${JSON.stringify(storage('resume-state'))});
      const d = ${JSON.stringify(dir)};
      const code = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code; } };
      console.log(await code(() => writeSmallFileSync(d + '/small.part', d + '/small', [Buffer.from('x')])));
      console.log(await code(() => FileSink.open(d + '/big.part', { truncate: true })));
      console.log(await loadState(d + '/f.part.state'));`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: 10_000 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${err.message} (killed: ${String(err.killed)})\n${stderr}`))
          : resolve(stdout),
    ),
  );
  assert.deepEqual(out.trim().split('\n'), ['DISK_ERROR', 'DISK_ERROR', 'invalid']);
});
