import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DiskError } from '../../src/errors/index.js';
import { hashFile } from '../../src/storage/hash-file.js';
import { tempDir } from '../helpers/fs.js';
import { bytes } from '../helpers/server.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('hashFile', () => {
  // Sizes around the 4 MiB read size, where an off-by-one in the turn-taking would show.
  const sizes = [0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB + 3];
  for (const size of sizes) {
    test(`a file of ${size} bytes`, async () => {
      const body = bytes(size, size % 251);
      const file = path.join(await tempDir(), 'f.bin');
      await fs.writeFile(file, body);
      assert.equal(await hashFile(file), sha(body));
    });
  }

  test('the first `length` bytes only', async () => {
    const body = bytes(5 * MiB, 3);
    const file = path.join(await tempDir(), 'f.bin');
    await fs.writeFile(file, body);
    for (const length of [0, 10, 4 * MiB + 7]) {
      assert.equal(await hashFile(file, length), sha(body.subarray(0, length)), `length ${length}`);
    }
  });

  test('a missing file is a disk error', async () => {
    const file = path.join(await tempDir(), 'missing.bin');
    await assert.rejects(
      hashFile(file),
      (err: unknown) => err instanceof DiskError && err.code === 'DISK_ERROR',
    );
  });
});
