import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { removeOwn, removeOwnSync } from '../../src/storage/remove.js';
import { DirectoryGuard } from '../../src/storage/safe-path.js';
import { tempDir } from '../helpers/fs.js';

const linux = process.platform === 'linux' && existsSync('/proc/self/fd');
const skip = !linux && 'only Linux tells where an open folder is; elsewhere a file is removed by name';

/** A root with a verified `sub`, then `sub` swapped for a symlink to a victim's folder. */
async function swapped(): Promise<{ root: string; victim: string; realDir: string }> {
  const root = await tempDir();
  const victim = await tempDir();
  const guard = new DirectoryGuard(root);
  await guard.ensure(path.join(root, 'sub'));
  const realDir = guard.realDir(path.join(root, 'sub'))!;
  await fs.rename(path.join(root, 'sub'), path.join(root, 'moved'));
  await fs.symlink(victim, path.join(root, 'sub'));
  await fs.writeFile(path.join(victim, 'f.bin.part'), 'victim partial');
  await fs.writeFile(path.join(victim, 'f.bin.part.state'), '{}');
  return { root, victim, realDir };
}

test(
  'regression: a part or state file is never removed through a folder swapped for a symlink',
  { skip },
  async () => {
    const { root, victim, realDir } = await swapped();
    await removeOwn(path.join(root, 'sub', 'f.bin.part'), realDir);
    removeOwnSync(path.join(root, 'sub', 'f.bin.part.state'), realDir);
    assert.deepEqual((await fs.readdir(victim)).sort(), ['f.bin.part', 'f.bin.part.state']);
  },
);

test('a file in its own folder is removed; a missing one is no error', { skip }, async () => {
  const root = await tempDir();
  const guard = new DirectoryGuard(root);
  const folder = path.join(root, 'a', 'b');
  await guard.ensure(folder);
  const realDir = guard.realDir(folder);
  await fs.writeFile(path.join(folder, 'x.part'), 'x');
  await fs.writeFile(path.join(folder, 'y.part'), 'y');
  await removeOwn(path.join(folder, 'x.part'), realDir);
  removeOwnSync(path.join(folder, 'y.part'), realDir);
  await removeOwn(path.join(folder, 'gone.part'), realDir);
  removeOwnSync(path.join(root, 'no-folder', 'gone.part'), realDir);
  assert.deepEqual(await fs.readdir(folder), []);
});
