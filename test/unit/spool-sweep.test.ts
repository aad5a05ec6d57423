import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Spool } from '../../src/storage/shards/spool.js';
import { tempDir } from '../helpers/fs.js';

test('a spool sweeps what a killed run of its own output left, and nothing of another output', async () => {
  const shared = await tempDir();
  const mine = path.join(shared, '.parafetch-spool-aaaa-x1');
  const other = path.join(shared, '.parafetch-spool-bbbb-x2');
  const unrelated = path.join(shared, 'data.bin');
  await fs.mkdir(mine);
  await fs.writeFile(path.join(mine, '7.1'), 'left behind');
  await fs.mkdir(other);
  await fs.writeFile(unrelated, 'keep');
  const spool = new Spool(shared, {}, 'aaaa');
  await spool.sweep();
  assert.deepEqual((await fs.readdir(shared)).sort(), ['.parafetch-spool-bbbb-x2', 'data.bin']);
  // Its own folder is made with the same name, and removed at the end.
  const file = await spool.file(3);
  assert.match(path.basename(path.dirname(file)), /^\.parafetch-spool-aaaa-/);
  await spool.remove();
  assert.deepEqual((await fs.readdir(shared)).sort(), ['.parafetch-spool-bbbb-x2', 'data.bin']);
});
