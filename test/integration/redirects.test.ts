import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { fileSha256, listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';

describe('redirects', () => {
  test('follows a chain and names the file after the URL asked for', async () => {
    const body = bytes(3000);
    const server = await startServer((req, res) => {
      const m = /^\/hop\/(\d+)$/.exec(req.url ?? '');
      if (m) {
        const n = Number(m[1]);
        const status = [301, 302, 303, 307, 308][n % 5]!;
        return void res.writeHead(status, { location: n === 0 ? '/final.bin' : `/hop/${n - 1}` }).end();
      }
      serveBody(req, res, body);
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/hop/4')], { dir });
      assert.equal(r!.status, 'ok');
      assert.equal(await fileSha256(r!.path!), sha256(body));
      assert.deepEqual(await listFiles(dir), ['4']);
      assert.equal(server.requests.length, 6);
      // Six requests over kept-alive connections (undici may alternate between two pooled sockets).
      assert.ok(server.connections() <= 2, `${server.connections()} connections for 6 requests`);
    } finally {
      await server.close();
    }
  });

  test('a loop ends with TOO_MANY_REDIRECTS after maxRedirects', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end();
    });
    try {
      const dir = await tempDir();
      const [r] = await download([server.url('/a')], { dir, maxRedirects: 5 });
      assert.equal(r!.error?.code, 'TOO_MANY_REDIRECTS');
      assert.equal(server.requests.length, 6);
      assert.deepEqual(await listFiles(dir), []);
    } finally {
      await server.close();
    }
  });

  for (const location of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'javascript:alert(1)']) {
    test(`a redirect to ${location.split(':')[0]}: is refused as UNSAFE_REDIRECT`, async () => {
      const server = await startServer((_req, res) => void res.writeHead(302, { location }).end());
      try {
        const [r] = await download([server.url('/x')], { dir: await tempDir() });
        assert.equal(r!.error?.code, 'UNSAFE_REDIRECT');
        assert.equal(r!.attempts, 1);
      } finally {
        await server.close();
      }
    });
  }

  test('Authorization and Cookie do not follow a redirect to another origin', async () => {
    const body = bytes(500);
    const other = await startServer((req, res) => serveBody(req, res, body));
    const first = await startServer((req, res) => {
      if (req.url === '/same') return void res.writeHead(302, { location: '/cross' }).end();
      res.writeHead(302, { location: other.url('/file.bin') }).end();
    });
    try {
      const [r] = await download([{ url: first.url('/same'), headers: { Authorization: 'Bearer secret' } }], {
        dir: await tempDir(),
        headers: { cookie: 'session=1', 'x-trace': 'kept' },
      });
      assert.equal(r!.status, 'ok');
      const [same, cross] = first.requests;
      assert.equal(same!.headers.authorization, 'Bearer secret');
      assert.equal(cross!.headers.authorization, 'Bearer secret', 'same-origin hop keeps credentials');
      assert.equal(cross!.headers.cookie, 'session=1');
      const arrived = other.requests[0]!;
      assert.equal(arrived.headers.authorization, undefined);
      assert.equal(arrived.headers.cookie, undefined);
      assert.equal(arrived.headers['x-trace'], 'kept');
    } finally {
      await first.close();
      await other.close();
    }
  });
});
