import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { download } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';

/** The same URL twice in a list is one file, fetched once; a site's root is saved as index.html. */

let server: TestServer;
const requests = new Map<string, number>();
before(async () => {
  server = await startServer((req, res) => {
    requests.set(req.url ?? '', (requests.get(req.url ?? '') ?? 0) + 1);
    setTimeout(() => serveBody(req, res, bytes(3000, (req.url ?? '').length)), 20);
  });
});
after(() => server.close());

for (const workers of [1, 2]) {
  test(`the same URL twice is fetched once, the second item skipped (workers ${workers})`, async () => {
    requests.clear();
    const dir = await tempDir();
    const a = server.url('/same/a.bin');
    const other = server.url('/other/a.bin');
    const results = await download([a, other, a, server.url('/'), a], {
      dir,
      workers,
      concurrency: 4,
    });
    assert.deepEqual(
      results.map((r) => [r.status, r.path?.slice(dir.length + 1)]),
      [
        ['ok', 'a.bin'],
        ['ok', 'a.1.bin'],
        ['skipped', 'a.bin'],
        ['ok', 'index.html'],
        ['skipped', 'a.bin'],
      ],
    );
    assert.equal(requests.get('/same/a.bin'), 1, 'fetched once');
    assert.deepEqual(await listFiles(dir), ['a.1.bin', 'a.bin', 'index.html']);
  });
}

test('asked to keep both, the same URL twice makes two files', async () => {
  requests.clear();
  const dir = await tempDir();
  const a = server.url('/kept/a.bin');
  const results = await download([a, a], { dir, overwrite: 'rename' });
  assert.deepEqual(
    results.map((r) => r.status),
    ['ok', 'ok'],
  );
  assert.equal(requests.get('/kept/a.bin'), 2);
  assert.deepEqual(await listFiles(dir), ['a.1.bin', 'a.bin']);
});
