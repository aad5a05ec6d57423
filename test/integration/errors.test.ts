import assert from 'node:assert/strict';
import { test } from 'node:test';
import { download } from '../../src/index.js';
import { tempDir } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';

test('regression: an unexpected error in an item is INTERNAL_ERROR with its cause, never a network code', async () => {
  const server = await startServer((_req, res) => void res.end('x'));
  try {
    const bug = new Error('a header that cannot be read');
    const headers = {
      get 'x-broken'(): string {
        throw bug;
      },
    };
    const [r] = await download([{ url: server.url('/a'), headers }], { dir: await tempDir() });
    assert.equal(r!.status, 'failed');
    assert.equal(r!.error?.code, 'INTERNAL_ERROR');
    assert.equal(r!.error?.cause, bug);
    assert.match(r!.error!.message, /a header that cannot be read/);
    assert.equal(r!.attempts, 0, 'not retried as if the network had failed');
  } finally {
    await server.close();
  }
});
