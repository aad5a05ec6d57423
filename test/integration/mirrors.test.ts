import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { runCli } from '../cli/cli.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';

const body = bytes(10_000, 7);

async function withServers<T>(
  handlers: Array<(status: { n: number }) => number | 'serve'>,
  fn: (servers: TestServer[]) => Promise<T>,
): Promise<T> {
  const servers: TestServer[] = [];
  try {
    for (const answer of handlers) {
      const seen = { n: 0 };
      servers.push(
        await startServer((req, res) => {
          seen.n++;
          const a = answer(seen);
          if (a === 'serve') serveBody(req, res, body, { etag: '"m"' });
          else res.writeHead(a).end('no');
        }),
      );
    }
    return await fn(servers);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

describe('mirrors', () => {
  test('a 404 from the first URL goes on to the next mirror, which serves the file', async () => {
    await withServers([() => 404, () => 'serve'], async ([a, b]) => {
      const dir = await tempDir();
      const [r] = await download(
        [{ url: a!.url('/f.bin'), mirrors: [b!.url('/f.bin')], path: 'f.bin' }],
        // No retry allowed: going on to a mirror after "not here" is not a retry.
        { dir, retries: 0 },
      );
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.equal(r!.attempts, 2);
      assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), body);
      assert.equal(a!.requests.length, 1);
      assert.equal(b!.requests.length, 1);
    });
  });

  test(
    '410 and 5xx are "not here" too; the next mirror is asked at once, without backoff',
    { timeout: 10_000 },
    async () => {
      await withServers([() => 410, () => 503, () => 'serve'], async ([a, b, c]) => {
        const dir = await tempDir();
        const [r] = await download(
          [{ url: a!.url('/f.bin'), mirrors: [b!.url('/f.bin'), c!.url('/f.bin')] }],
          {
            dir,
            // A backoff far longer than the test: only an immediate switch finishes in time.
            backoff: { baseMs: 60_000, maxMs: 60_000, jitter: false },
          },
        );
        assert.equal(r!.status, 'ok', r!.error?.message);
        assert.deepEqual(
          [a, b, c].map((s) => s!.requests.length),
          [1, 1, 1],
        );
      });
    },
  );

  test('when every URL says 404 the item fails once each was asked, and the error names every URL', async () => {
    await withServers([() => 404, () => 404, () => 404], async ([a, b, c]) => {
      const urls = [a, b, c].map((s) => s!.url('/f.bin'));
      const [r] = await download([{ url: urls[0]!, mirrors: urls.slice(1) }], { dir: await tempDir() });
      assert.equal(r!.status, 'failed');
      assert.equal(r!.error?.code, 'HTTP_404');
      assert.equal(r!.attempts, 3);
      assert.deepEqual(
        [a, b, c].map((s) => s!.requests.length),
        [1, 1, 1],
        'each URL asked once',
      );
      for (const u of urls) assert.ok(r!.error!.message.includes(`${u} → HTTP_404`), r!.error!.message);
    });
  });

  test('when every URL answers 5xx, a round of mirrors is followed by the usual backoff, within the retries', async () => {
    await withServers([() => 500, ({ n }) => (n <= 1 ? 502 : 'serve')], async ([a, b]) => {
      const [r] = await download([{ url: a!.url('/f.bin'), mirrors: [b!.url('/f.bin')] }], {
        dir: await tempDir(),
        backoff: { baseMs: 5, maxMs: 20 },
      });
      assert.equal(r!.status, 'ok', r!.error?.message);
      assert.deepEqual([a!.requests.length, b!.requests.length], [2, 2]);
    });
  });

  test('regression: a skip to the mirror uses no retry: retries 1, a 404 then a reset at the mirror, and the file arrives', async () => {
    const b = { n: 0 };
    const server = await startServer((req, res) => {
      if (req.url === '/a') return void res.writeHead(404).end();
      if (++b.n === 1) return void req.socket.destroy();
      serveBody(req, res, body, { etag: '"m"' });
    });
    try {
      const dir = await tempDir();
      const [r] = await download([{ url: server.url('/a'), mirrors: [server.url('/b')], path: 'f.bin' }], {
        dir,
        retries: 1,
        backoff: { baseMs: 5, maxMs: 20 },
      });
      assert.equal(r!.status, 'ok', r!.error?.message);
      // 404 (a skip), reset (the one retry), 404 (a skip), the file.
      assert.equal(r!.attempts, 4);
      assert.deepEqual(await fs.readFile(path.join(dir, 'f.bin')), body);
    } finally {
      await server.close();
    }
  });

  test('the command: an aria2 input line with TAB-separated mirrors gets the file from the mirror', async () => {
    await withServers([() => 404, () => 'serve'], async ([a, b]) => {
      const work = await tempDir();
      const list = path.join(work, 'list.aria2');
      await fs.writeFile(list, `${a!.url('/f.bin')}\t${b!.url('/f.bin')}\n  out=got.bin\n`);
      const r = await runCli(['-i', list, '-d', path.join(work, 'out'), '--progress', 'none']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await fs.readFile(path.join(work, 'out', 'got.bin')), body);
    });
  });
});
