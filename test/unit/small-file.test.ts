import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiskError } from '../../src/errors/index.js';
import { SyncWriteGate, writeSmallFileSync } from '../../src/storage/small-file.js';
import { listFiles, tempDir } from '../helpers/fs.js';

describe('SyncWriteGate', () => {
  test('three slow writes more than fast ones turn direct writes off for good', () => {
    const gate = new SyncWriteGate(1, 2);
    assert.equal(gate.enabled, true);
    gate.record(5);
    gate.record(0.1); // a fast one cancels a slow one
    gate.record(5);
    gate.record(5);
    assert.equal(gate.enabled, true);
    gate.record(5);
    assert.equal(gate.enabled, false);
    for (let i = 0; i < 10; i++) gate.record(0.01);
    assert.equal(gate.enabled, false);
  });

  test('a busy event loop gets the thread pool; an idle one direct writes again', async () => {
    const gate = new SyncWriteGate(1, 0.5);
    await sleep(150);
    assert.equal(gate.enabled, true);
    await sleep(150);
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // keep the loop busy for 300 ms
    }
    assert.equal(gate.enabled, false);
    await sleep(250);
    assert.equal(gate.enabled, true);
  });
});

describe('writeSmallFileSync', () => {
  test('writes the chunks and moves the file into place', async () => {
    const dir = await tempDir();
    const part = path.join(dir, 'a.bin.part');
    writeSmallFileSync(part, path.join(dir, 'a.bin'), [Buffer.from('ab'), Buffer.from('cd')]);
    assert.equal(await fs.readFile(path.join(dir, 'a.bin'), 'utf8'), 'abcd');
    assert.deepEqual(await listFiles(dir), ['a.bin']);
  });

  test('a failure is a DiskError and leaves nothing behind', async () => {
    const dir = await tempDir();
    const part = path.join(dir, 'a.bin.part');
    // The destination is a folder that is not empty: the rename fails after the part was written.
    await fs.mkdir(path.join(dir, 'a.bin'));
    await fs.writeFile(path.join(dir, 'a.bin', 'x'), 'x');
    assert.throws(() => writeSmallFileSync(part, path.join(dir, 'a.bin'), [Buffer.from('ab')]), DiskError);
    assert.deepEqual(await listFiles(dir), ['a.bin/x']);
  });
});
