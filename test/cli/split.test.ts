import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';
import { runCli } from './cli.js';

describe('-x', () => {
  test('-x auto (the default) splits a large file over idle connections; -x 1 asks no range; -x max is a usage error', async () => {
    const big = bytes(4 << 20, 8);
    const server = await startServer((req, res) => serveBody(req, res, big, { etag: '"big"' }));
    const bounded = () => server.requests.filter((q) => /^bytes=\d+-\d+$/.test(q.headers.range ?? ''));
    try {
      const auto = await runCli(['-d', await tempDir(), '-x', 'auto', '-k', '256K', server.url('/big.bin')]);
      assert.equal(auto.code, 0, auto.stderr);
      assert.ok(bounded().length >= 2, `ranged requests: ${bounded().length}`);

      server.requests.length = 0;
      const dir = await tempDir();
      const one = await runCli(['-d', dir, '-x', '1', '-k', '256K', server.url('/big.bin')]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(sha256(await fs.readFile(path.join(dir, 'big.bin'))), sha256(big));
      assert.deepEqual(
        server.requests.map((q) => q.headers.range),
        [undefined],
      );

      const bad = await runCli(['-d', dir, '-x', 'max', server.url('/big.bin')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Expected 'auto' or an integer from 1 to 1024/);
    } finally {
      await server.close();
    }
  });
});
