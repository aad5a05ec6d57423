import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { UnsafePathError } from '../../src/errors/index.js';
import { FileSink } from '../../src/storage/file-sink.js';
import { writeSmallFileSync } from '../../src/storage/small-file.js';
import { listFiles, tempDir } from '../helpers/fs.js';

const linux = process.platform === 'linux' && existsSync('/proc/self/fd');
const skip = !linux && 'only Linux tells where an open file is';

/** A root with `sub`, the real path of `sub`, and a swap of `sub` for a link to an outside folder. */
async function swappable() {
  const root = await tempDir();
  const outside = await tempDir();
  await fs.mkdir(path.join(root, 'sub'));
  const realDir = await fs.realpath(path.join(root, 'sub'));
  const swap = async () => {
    await fs.rename(path.join(root, 'sub'), path.join(root, 'moved'));
    await fs.symlink(outside, path.join(root, 'sub'));
  };
  return { root, outside, realDir, swap, sub: path.join(root, 'sub') };
}

describe('files are checked where they really are', { skip }, () => {
  test('a small file opened through a swapped folder is refused and removed from outside', async () => {
    const { outside, realDir, swap, sub } = await swappable();
    await swap();
    assert.throws(
      () => writeSmallFileSync(path.join(sub, 'a.part'), path.join(sub, 'a'), [Buffer.from('x')], realDir),
      UnsafePathError,
    );
    assert.deepEqual(await listFiles(outside), []);
  });

  test('a part file whose folder is swapped before the commit is refused, nothing left outside', async () => {
    const { realDir, swap, sub, outside } = await swappable();
    const sink = await FileSink.open(path.join(sub, 'b.part'), { truncate: true, realDir });
    sink.write(Buffer.from('hello'), 0);
    await swap();
    await assert.rejects(sink.commit(path.join(sub, 'b')), UnsafePathError);
    assert.deepEqual(await listFiles(outside), []);
  });

  test('a part file moved outside with its folder is refused and removed there', async () => {
    const { root, outside, realDir, sub } = await swappable();
    const sink = await FileSink.open(path.join(sub, 'b.part'), { truncate: true, realDir });
    sink.write(Buffer.from('hello'), 0);
    // The real folder, with the open part file, goes outside, and `sub` links to it there.
    await fs.rename(sub, path.join(outside, 'real'));
    await fs.symlink(path.join(outside, 'real'), path.join(root, 'sub'));
    await assert.rejects(sink.commit(path.join(sub, 'b')), UnsafePathError);
    assert.deepEqual(await listFiles(outside), []);
  });

  test('a part file opened through a swapped folder is refused and removed from outside', async () => {
    const { outside, realDir, swap, sub } = await swappable();
    await swap();
    await assert.rejects(
      FileSink.open(path.join(sub, 'c.part'), { truncate: true, realDir }),
      UnsafePathError,
    );
    assert.deepEqual(await listFiles(outside), []);
  });
});
