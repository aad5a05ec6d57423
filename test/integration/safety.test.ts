import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';

describe('destinations never leave dir', () => {
  test('traversal and absolute paths fail with UNSAFE_PATH and send no request', async () => {
    const server = await startServer((req, res) => serveBody(req, res, bytes(10)));
    try {
      const root = await tempDir();
      const dir = path.join(root, 'dl');
      const results = await download(
        ['../escape.bin', 'a/../../escape.bin', '/tmp/abs.bin', 'ok/../fine.bin'].map((p) => ({
          url: server.url('/x'),
          path: p,
        })),
        { dir },
      );
      assert.deepEqual(
        results.map((r) => r.error?.code ?? r.status),
        ['UNSAFE_PATH', 'UNSAFE_PATH', 'UNSAFE_PATH', 'ok'],
      );
      assert.equal(results[0]!.attempts, 0);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(await listFiles(root), ['dl/fine.bin']);
    } finally {
      await server.close();
    }
  });

  test('Content-Disposition names are reduced to a safe base name when opted in', async () => {
    const names = ['../../evil.sh', '..\\..\\win.bat', 'plain.txt'];
    const server = await startServer((req, res) => {
      const n = Number((req.url ?? '/0').slice(1));
      res.writeHead(200, {
        'content-disposition': `attachment; filename="${names[n]}"`,
        'content-length': 2,
      });
      res.end('hi');
    });
    try {
      const root = await tempDir();
      const dir = path.join(root, 'dl');
      const results = await download(
        [0, 1, 2].map((n) => server.url(`/${n}`)),
        {
          dir,
          contentDisposition: true,
        },
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['ok', 'ok', 'ok'],
      );
      assert.deepEqual(await listFiles(root), ['dl/evil.sh', 'dl/plain.txt', 'dl/win.bat']);
    } finally {
      await server.close();
    }
  });

  test('a symlink inside dir that points outside is not followed', async () => {
    const server = await startServer((req, res) => serveBody(req, res, bytes(10)));
    try {
      const root = await tempDir();
      const dir = path.join(root, 'dl');
      const outside = path.join(root, 'outside');
      await fs.mkdir(dir);
      await fs.mkdir(outside);
      await fs.symlink(outside, path.join(dir, 'link'));
      await fs.symlink(path.join(outside, 'target.bin'), path.join(dir, 'direct.bin.part'));
      const results = await download(
        [
          { url: server.url('/x'), path: 'link/file.bin' },
          { url: server.url('/x'), path: 'direct.bin' },
        ],
        { dir },
      );
      assert.equal(results[0]!.error?.code, 'UNSAFE_PATH');
      assert.equal(results[1]!.status, 'failed');
      assert.equal(results[1]!.error?.code, 'DISK_ERROR');
      assert.deepEqual(await fs.readdir(outside), []);
    } finally {
      await server.close();
    }
  });

  test('URLs that are not http(s) fail with INVALID_URL', async () => {
    const results = await download(['ftp://127.0.0.1/x', 'not a url', 'file:///etc/passwd'], {
      dir: await tempDir(),
    });
    assert.deepEqual(
      results.map((r) => r.error?.code),
      ['INVALID_URL', 'INVALID_URL', 'INVALID_URL'],
    );
  });
});

test('regression: a part file swapped for a symlink between attempts is never followed', async () => {
  const body = bytes(600_000, 41);
  const dir = await tempDir();
  const outside = path.join(await tempDir(), 'precious.bin');
  const precious = bytes(500_000, 42);
  await fs.writeFile(outside, precious);
  let requests = 0;
  const server = await startServer(async (req, res) => {
    requests++;
    if (requests === 1) {
      // Half the body, then the connection breaks: the retry continues from the part file.
      res.writeHead(200, { 'content-length': body.length, etag: '"p"', 'accept-ranges': 'bytes' });
      res.write(body.subarray(0, 300_000), () => res.destroy());
      return;
    }
    const part = path.join(dir, 'x.bin.part');
    await fs.rm(part, { force: true });
    await fs.symlink(outside, part);
    serveBody(req, res, body, { etag: '"p"' });
  });
  try {
    const [r] = await download([server.url('/x.bin')], {
      dir,
      retries: 1,
      backoff: { baseMs: 1, maxMs: 5 },
    });
    assert.equal(requests, 2);
    assert.notEqual(r!.status, 'ok');
    assert.deepEqual(await fs.readFile(outside), precious, 'the file outside dir is untouched');
  } finally {
    await server.close();
  }
});
