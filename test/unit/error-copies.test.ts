import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as errors from '../../src/errors/index.js';
import { tempDir } from '../helpers/fs.js';

test('regression: an error made by another copy of the error classes is still recognised by class', async () => {
  // A second copy of the compiled classes, in another folder: what a separately bundled file holds.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const folder = path.join(await tempDir(), 'errors');
  await fs.cp(path.join(here, '../../src/errors'), folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'package.json'), '{"type":"module"}');
  const copy = (await import(pathToFileURL(path.join(folder, 'index.js')).href)) as typeof errors;
  assert.notEqual(copy.StoreError, errors.StoreError, 'the copy has classes of its own');
  const foreign = new copy.StoreError('no such bucket', { storeCode: 'NoSuchBucket' });
  assert.ok(foreign instanceof errors.ParafetchError);
  assert.ok(foreign instanceof errors.StoreError);
  assert.ok(!(foreign instanceof errors.DiskError));
  assert.ok(new copy.DiskError('full') instanceof errors.DiskError);
  assert.ok(!(new copy.DiskError('full') instanceof errors.StoreError));
  assert.ok(new copy.InvalidOptionError('dir', 'a URL', 'x') instanceof errors.InvalidOptionError);
  // Plain errors and look-alikes are not ours.
  assert.ok(!(new Error('x') instanceof errors.ParafetchError));
  assert.ok(!(Object.assign(new Error('x'), { code: 'STORE_ERROR' }) instanceof errors.ParafetchError));
  assert.ok(!((null as unknown) instanceof errors.ParafetchError));
  // Our own, as ever.
  assert.ok(new errors.StoreError('x') instanceof errors.ParafetchError);
  assert.ok(!(new errors.StoreError('x') instanceof errors.DiskError));
});
