import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { fileSha256, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, TLS, type TestServer } from '../helpers/server.js';

describe('TLS', () => {
  const body = bytes(4096);
  let server: TestServer;
  before(async () => {
    server = await startServer((req, res) => serveBody(req, res, body), { tls: true });
  });
  after(() => server.close());

  test('an untrusted certificate fails with TLS_ERROR and is not retried', async () => {
    const [r] = await download([server.url('/x.bin')], { dir: await tempDir(), backoff: { baseMs: 1 } });
    assert.equal(r!.error?.code, 'TLS_ERROR');
    assert.equal(r!.attempts, 1);
  });

  test('a trusted CA or an explicit opt-out downloads', async () => {
    const [withCa] = await download([server.url('/x.bin')], { dir: await tempDir(), ca: TLS.cert });
    assert.equal(withCa!.status, 'ok', withCa!.error?.message);
    assert.equal(await fileSha256(withCa!.path!), sha256(body));
    const [insecure] = await download([server.url('/x.bin')], { dir: await tempDir(), insecure: true });
    assert.equal(insecure!.status, 'ok');
  });
});
