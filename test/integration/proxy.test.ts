import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { download, Downloader, InvalidOptionError, ProxyError } from '../../src/index.js';
import { fileSha256, tempDir } from '../helpers/fs.js';
import { closedPort, startProxy } from '../helpers/proxy.js';
import { bytes, serveBody, sha256, startServer, TLS, type TestServer } from '../helpers/server.js';
import { runCli } from '../cli/cli.js';

const fast = { baseMs: 5, maxMs: 20 };
const body = bytes(20_000, 5);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('proxies', () => {
  let plain: TestServer;
  let secure: TestServer;
  before(async () => {
    plain = await startServer((req, res) => serveBody(req, res, body));
    secure = await startServer((req, res) => serveBody(req, res, body), { tls: true });
  });
  after(async () => {
    await plain.close();
    await secure.close();
  });
  const origins = () =>
    [
      ['http', plain],
      ['https', secure],
    ] as const;

  test('http and https origins download through a proxy, with credentials taken from its URL', async () => {
    const proxy = await startProxy({ auth: basic('me', 's3cret') });
    try {
      for (const [scheme, server] of origins()) {
        const [r] = await download([server.url(`/${scheme}.bin`)], {
          dir: await tempDir(),
          proxy: `http://me:s3cret@127.0.0.1:${proxy.port}`,
          ca: TLS.cert,
        });
        assert.equal(r!.status, 'ok', `${scheme}: ${r!.error?.message}`);
        assert.equal(await fileSha256(r!.path!), sha256(body));
      }
      assert.equal(proxy.connects.length, 2, 'both went through the proxy');
    } finally {
      await proxy.close();
    }
  });

  test('a proxy answering 407 is PROXY_AUTH_REQUIRED naming the proxy without credentials, not ABORTED', async () => {
    const proxy = await startProxy({ auth: basic('me', 'right') });
    try {
      for (const [scheme, server] of origins()) {
        for (const url of [proxy.origin, `http://me:wrong-secret@127.0.0.1:${proxy.port}`]) {
          const [r] = await download([server.url(`/${scheme}.bin`)], {
            dir: await tempDir(),
            proxy: url,
            ca: TLS.cert,
            backoff: fast,
          });
          assert.equal(r!.status, 'failed');
          assert.equal(r!.error?.code, 'PROXY_AUTH_REQUIRED', `${scheme} via ${url}: ${r!.error?.message}`);
          assert.ok(r!.error instanceof ProxyError);
          assert.equal(r!.error.proxy, proxy.origin);
          assert.ok(r!.error.message.includes(`127.0.0.1:${proxy.port}`), r!.error.message);
          assert.ok(!r!.error.message.includes('wrong-secret'), r!.error.message);
          assert.equal(r!.attempts, 1, 'refused credentials are not tried again');
        }
      }
    } finally {
      await proxy.close();
    }
  });

  test('a closed proxy port is PROXY_REFUSED naming the proxy, not the origin', async () => {
    const port = await closedPort();
    for (const [scheme, server] of origins()) {
      const [r] = await download([server.url(`/${scheme}.bin`)], {
        dir: await tempDir(),
        proxy: `http://user:pw@127.0.0.1:${port}`,
        retries: 1,
        backoff: fast,
      });
      assert.equal(r!.error?.code, 'PROXY_REFUSED', `${scheme}: ${r!.error?.message}`);
      assert.equal(r!.error?.message, `proxy http://127.0.0.1:${port} refused the connection`);
      assert.equal(r!.attempts, 2, 'a proxy that is down may come back: retried');
    }
  });

  test('a proxy refusing the tunnel (502) is PROXY_ERROR, retried', async () => {
    const proxy = await startProxy({ status: 502 });
    try {
      const [r] = await download([plain.url('/x.bin')], {
        dir: await tempDir(),
        proxy: proxy.origin,
        retries: 1,
        backoff: fast,
      });
      assert.equal(r!.error?.code, 'PROXY_ERROR');
      assert.match(
        r!.error!.message,
        /^proxy http:\/\/127\.0\.0\.1:\d+ answered 502 to CONNECT 127\.0\.0\.1:\d+$/,
      );
      assert.equal(r!.attempts, 2);
    } finally {
      await proxy.close();
    }
  });

  test('a malformed proxy URL fails at construction, naming `proxy`; no run is left pending', async () => {
    assert.throws(
      () => new Downloader([plain.url('/x.bin')], { proxy: 'http://[bad' }),
      (err: unknown) => err instanceof InvalidOptionError && err.key === 'proxy',
    );
    await assert.rejects(download([plain.url('/x.bin')], { proxy: 'http://[bad' }), InvalidOptionError);
  });
});

describe('proxies from the environment', () => {
  const NAMES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];
  let server: TestServer;
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  before(async () => {
    server = await startServer((req, res) => serveBody(req, res, body));
  });
  after(async () => {
    await server.close();
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });
  const setEnv = (vars: Record<string, string>) => {
    for (const n of NAMES) delete process.env[n];
    Object.assign(process.env, vars);
  };

  test('HTTP_PROXY at a closed port is PROXY_REFUSED; NO_PROXY goes direct', async () => {
    setEnv({ HTTP_PROXY: `http://127.0.0.1:${await closedPort()}` });
    const [viaProxy] = await download([server.url('/x.bin')], { dir: await tempDir(), retries: 0 });
    assert.equal(viaProxy!.error?.code, 'PROXY_REFUSED', viaProxy!.error?.message);
    setEnv({ HTTP_PROXY: process.env.HTTP_PROXY!, NO_PROXY: '127.0.0.1' });
    const [direct] = await download([server.url('/x.bin')], { dir: await tempDir(), retries: 0 });
    assert.equal(direct!.status, 'ok', direct!.error?.message);
  });

  test('HTTP_PROXY through a working proxy', async () => {
    const proxy = await startProxy();
    try {
      setEnv({ http_proxy: `127.0.0.1:${proxy.port}` });
      const [r] = await download([server.url('/x.bin')], { dir: await tempDir() });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(proxy.connects.length, 1);
    } finally {
      await proxy.close();
    }
  });
});

describe('the command and proxies', () => {
  test('--proxy with a malformed URL: exit 2 naming --proxy, before any request', async () => {
    const server = await startServer((req, res) => serveBody(req, res, body));
    try {
      const r = await runCli(['-d', await tempDir(), '--proxy', 'http://[bad', server.url('/x.bin')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--proxy/);
      assert.match(r.stderr, /proxy URL/);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  test('a malformed HTTP_PROXY: exit 2 naming the variable, without its credentials', async () => {
    const r = await runCli(['-d', await tempDir(), 'http://127.0.0.1:1/x.bin'], {
      env: { HTTP_PROXY: 'http://me:hidden@[bad' },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /environment variable HTTP_PROXY is not an http\(s\) proxy URL/);
    assert.ok(!r.stderr.includes('hidden'), r.stderr);
  });

  test('a proxy answering 407: the item fails with PROXY_AUTH_REQUIRED naming the proxy, exit 1', async () => {
    const server = await startServer((req, res) => serveBody(req, res, body));
    const proxy = await startProxy({ auth: basic('a', 'b') });
    try {
      const r = await runCli([
        '-d',
        await tempDir(),
        '--proxy',
        `http://a:nope@127.0.0.1:${proxy.port}`,
        server.url('/x.bin'),
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^failed +PROXY_AUTH_REQUIRED +\S+\/x\.bin +proxy http:\/\/127\.0\.0\.1:\d+ refused the credentials given \(407\)$/m,
      );
      assert.ok(!r.stderr.includes('nope'), r.stderr);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
