import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { download } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';

/**
 * A run killed while it wrote a file's first resume state leaves `NAME.part.state.tmp` and no
 * state: the next run that downloads the file removes it with the rest of its work files.
 */

let server: TestServer;
const small = bytes(4_000, 5);
const large = bytes(600_000, 6);
before(async () => {
  server = await startServer((req, res) =>
    serveBody(req, res, req.url === '/large.bin' ? large : small, { etag: `"${req.url}"` }),
  );
});
after(() => server.close());

for (const [name, body] of [
  ['small.bin', small],
  ['large.bin', large],
] as const) {
  test(`a state's temporary file left by a killed run is gone after ${name} is downloaded`, async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, `${name}.part.state.tmp`), '{"version":1,"url":"http://127.');
    await fs.writeFile(path.join(dir, `${name}.part`), body.subarray(0, 1000));
    const [r] = await download([server.url(`/${name}`)], { dir });
    assert.equal(r?.status, 'ok', r?.error?.message);
    assert.deepEqual(await fs.readFile(path.join(dir, name)), body);
    assert.deepEqual(await listFiles(dir), [name], 'no work file is left');
  });
}
