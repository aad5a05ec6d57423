import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';

// Regression: names of 251-255 bytes failed with ENAMETOOLONG on NAME.part.
describe('file names of 251-255 bytes', () => {
  const long = 'n'.repeat(251) + '.bin'; // 255 bytes

  test('a 255-byte name from the URL is shortened to leave room for every suffix', async () => {
    const body = bytes(300_000, 3);
    const server = await startServer((req, res) => serveBody(req, res, body, { etag: '"l"' }));
    try {
      const dir = await tempDir();
      // Two URLs of the same name, so the second gets a number, and with several connections
      // (state files too).
      const results = await download([server.url(`/a/${long}`), server.url(`/b/${long}`)], {
        dir,
        split: 2,
        minSplitSize: 64 * 1024,
        checkpointMs: 10,
      });
      assert.deepEqual(
        results.map((r) => r.error?.message ?? r.status),
        ['ok', 'ok'],
      );
      const names = await listFiles(dir);
      assert.deepEqual(names, ['n'.repeat(234) + '.1.bin', 'n'.repeat(236) + '.bin'].sort());
      for (const n of names) assert.ok(Buffer.byteLength(n) + '.part.state.tmp'.length <= 255);
    } finally {
      await server.close();
    }
  });

  test('a 255-byte name from Content-Disposition is shortened the same way', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { 'content-disposition': `attachment; filename="${long}"`, 'content-length': 2 });
      res.end('hi');
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/x')], { dir, contentDisposition: true });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(path.basename(r!.path!), 'n'.repeat(236) + '.bin');
      assert.deepEqual(await listFiles(dir), ['n'.repeat(236) + '.bin']);
    } finally {
      await server.close();
    }
  });

  test('a given path whose name leaves no room for the suffixes fails before any request', async () => {
    const server = await startServer((req, res) => serveBody(req, res, bytes(10)));
    try {
      const dir = await tempDir();
      const [r] = await download([{ url: server.url('/x'), path: `sub/${long}` }], { dir });
      assert.equal(r!.status, 'failed');
      assert.equal(r!.error?.code, 'UNSAFE_PATH');
      assert.match(r!.error!.message, /255 bytes.*240.*\.part\.state\.tmp/);
      assert.equal(r!.attempts, 0);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });
});
