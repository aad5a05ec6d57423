import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { download, type DownloadResult, type ParafetchError } from '../../src/index.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';

/**
 * `DownloadResult` is a union on `status`: a failure's `error` needs no check, and a success's
 * `sha256` is the file's. Compiling this file is half the test: `r.error.code` below would not
 * compile if `error` were optional on a failed result.
 */

let server: TestServer;
before(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/ok.bin') return void serveBody(req, res, bytes(2048, 3));
    res.writeHead(404).end();
  });
});
after(() => server.close());

/** What a caller writes: narrowed by status, with no `?.` and no `!`. */
function describeResult(r: DownloadResult): string {
  switch (r.status) {
    case 'ok':
    case 'skipped':
      return `${r.status} ${r.bytes} ${r.sha256 ?? 'unhashed'}`;
    case 'failed':
    case 'cancelled': {
      const error: ParafetchError = r.error;
      return `${r.status} ${error.code}`;
    }
  }
}

test('a failed result carries its error and no checksum; an ok one its checksum and no error', async () => {
  const dir = await tempDir();
  const results = await download([server.url('/ok.bin'), server.url('/gone.bin')], { dir, retries: 0 });
  const [ok, failed] = results;
  assert.ok(ok && failed);
  assert.match(describeResult(ok), /^ok 2048 [0-9a-f]{64}$/);
  assert.equal(describeResult(failed), 'failed HTTP_404');
  assert.equal(ok.error, undefined);
  assert.equal(failed.sha256, undefined);
  if (failed.status !== 'failed') return assert.fail(`expected a failure, got ${failed.status}`);
  assert.equal(failed.error.code, 'HTTP_404');
});
