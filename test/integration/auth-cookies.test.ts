import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CookieJar } from 'tough-cookie';
import { Downloader, download, type DownloadResult } from '../../src/index.js';
import { workerThreadsOf } from '../../src/engine/downloader.js';
import { tempDir } from '../helpers/fs.js';
import {
  bytes,
  serveBody,
  sha256,
  startServer,
  type SeenRequest,
  type TestServer,
} from '../helpers/server.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const hostPort = (s: TestServer) => s.origin.slice('http://'.length);
/** `http://user:pass@127.0.0.1:PORT/p` */
const withCredentials = (s: TestServer, p: string, user = 'u', password = 'p%40ss') =>
  `http://${user}:${password}@${hostPort(s)}${p}`;
const seen = (s: TestServer, url: string): SeenRequest[] => s.requests.filter((q) => q.url === url);
/** The names of the cookies a request carried, sorted. */
const cookieNames = (q: SeenRequest | undefined) =>
  (q?.headers.cookie ?? '')
    .split(/;\s*/)
    .filter(Boolean)
    .map((c) => c.split('=')[0])
    .sort();

async function withServers(
  handlers: Parameters<typeof startServer>[0][],
  run: (servers: TestServer[]) => Promise<void>,
): Promise<void> {
  const servers: TestServer[] = [];
  try {
    for (const h of handlers) servers.push(await startServer(h));
    await run(servers);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

describe('credentials', () => {
  test('URL credentials go as Basic to their origin, across a redirect there, and not to a redirect to another port', async () => {
    const body = bytes(1000);
    let other = '';
    await withServers(
      [
        (req, res) => {
          if (req.url === '/start') return void res.writeHead(302, { location: '/same' }).end();
          if (req.url === '/same') return void res.writeHead(302, { location: `${other}/file` }).end();
          serveBody(req, res, body);
        },
        (req, res) => serveBody(req, res, body),
      ],
      async ([a, b]) => {
        other = b!.origin;
        const [r] = await download([withCredentials(a!, '/start')], { dir: await tempDir() });
        assert.equal(r!.status, 'ok');
        assert.equal(r!.sha256, sha256(body));
        const expected = basic('u', 'p@ss');
        assert.equal(seen(a!, '/start')[0]?.headers.authorization, expected);
        assert.equal(seen(a!, '/same')[0]?.headers.authorization, expected, 'a redirect to the same origin');
        assert.equal(seen(b!, '/file').length, 1);
        assert.equal(
          seen(b!, '/file')[0]?.headers.authorization,
          undefined,
          'another port is another origin',
        );
      },
    );
  });

  test('auth (--user) goes to the origin of every item URL, never to a redirect target of another origin', async () => {
    const body = bytes(500);
    let other = '';
    await withServers(
      [
        (req, res) =>
          req.url === '/a'
            ? void res.writeHead(302, { location: `${other}/from-a` }).end()
            : serveBody(req, res, body),
        (req, res) => serveBody(req, res, body),
      ],
      async ([a, b]) => {
        other = b!.origin;
        const results = await download([a!.url('/a'), b!.url('/b')], {
          dir: await tempDir(),
          auth: { username: 'cli', password: 'pw' },
          concurrency: 1,
        });
        assert.deepEqual(
          results.map((r) => r.status),
          ['ok', 'ok'],
        );
        assert.equal(seen(a!, '/a')[0]?.headers.authorization, basic('cli', 'pw'));
        assert.equal(
          seen(b!, '/from-a')[0]?.headers.authorization,
          undefined,
          'the redirect target of item 1',
        );
        assert.equal(seen(b!, '/b')[0]?.headers.authorization, basic('cli', 'pw'), 'the origin of item 2');
      },
    );
  });

  test('a file split over ranges sends the credentials with every range request', async () => {
    const body = bytes(3 * 1024 * 1024, 7);
    await withServers([(req, res) => serveBody(req, res, body, { etag: '"v1"' })], async ([a]) => {
      const [r] = await download([withCredentials(a!, '/big.bin')], {
        dir: await tempDir(),
        split: 4,
        minSplitSize: 256 * 1024,
        workers: 1,
      });
      assert.equal(r!.sha256, sha256(body));
      const ranged = a!.requests.filter((q) => /^bytes=\d+-\d+$/.test(q.headers.range ?? ''));
      assert.ok(ranged.length >= 1, `${ranged.length} range requests`);
      for (const q of a!.requests) assert.equal(q.headers.authorization, basic('u', 'p@ss'), q.headers.range);
    });
  });

  test('a netrc file gives the credentials of its host', async () => {
    const work = await tempDir();
    const netrc = path.join(work, 'netrc');
    await fs.writeFile(
      netrc,
      'machine elsewhere login x password y\nmachine 127.0.0.1 login n password "n p"\n',
    );
    await withServers([(req, res) => serveBody(req, res, bytes(10))], async ([a]) => {
      const [r] = await download([a!.url('/x')], { dir: work, netrc });
      assert.equal(r!.status, 'ok');
      assert.equal(a!.requests[0]?.headers.authorization, basic('n', 'n p'));
    });
  });
});

describe('cookies', () => {
  const later = Math.floor(Date.now() / 1000) + 3600;
  const earlier = Math.floor(Date.now() / 1000) - 3600;

  test('a loaded cookie file: only the cookies whose domain, path and expiry fit are sent', async () => {
    const work = await tempDir();
    const file = path.join(work, 'cookies.txt');
    await fs.writeFile(
      file,
      [
        '# Netscape HTTP Cookie File',
        `127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t1`,
        `127.0.0.1\tFALSE\t/dir\tFALSE\t${later}\tindir\t2`,
        `#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t${later}\thttponly\t3`,
        `127.0.0.1\tFALSE\t/other\tFALSE\t${later}\tother_path\t4`,
        `127.0.0.1\tFALSE\t/\tFALSE\t${earlier}\texpired\t5`,
        `.example.com\tTRUE\t/\tFALSE\t${later}\tother_domain\t6`,
      ].join('\n'),
    );
    await withServers([(req, res) => serveBody(req, res, bytes(10))], async ([a]) => {
      const [r] = await download([a!.url('/dir/file')], { dir: work, cookies: { load: file } });
      assert.equal(r!.status, 'ok');
      assert.deepEqual(cookieNames(a!.requests[0]), ['httponly', 'indir', 'session']);
    });
  });

  test('a cookie set by a response is sent after a redirect (to another port too) and on later items, and saved', async () => {
    const work = await tempDir();
    const saved = path.join(work, 'saved.txt');
    let other = '';
    await withServers(
      [
        (req, res) => {
          if (req.url === '/login') {
            return void res
              .writeHead(302, {
                location: '/file',
                'set-cookie': ['sid=abc; Path=/; HttpOnly', `kept=1; Max-Age=3600`],
              })
              .end();
          }
          if (req.url === '/file') return void res.writeHead(302, { location: `${other}/moved` }).end();
          serveBody(req, res, bytes(10));
        },
        (req, res) => serveBody(req, res, bytes(10)),
      ],
      async ([a, b]) => {
        other = b!.origin;
        const jar = new CookieJar();
        const results = await download([a!.url('/login'), a!.url('/later')], {
          dir: work,
          concurrency: 1,
          cookies: { save: saved, jar },
        });
        assert.deepEqual(
          results.map((r) => r.status),
          ['ok', 'ok'],
        );
        assert.deepEqual(cookieNames(seen(a!, '/login')[0]), []);
        assert.deepEqual(cookieNames(seen(a!, '/file')[0]), ['kept', 'sid'], 'the next hop of the redirect');
        assert.deepEqual(
          cookieNames(seen(b!, '/moved')[0]),
          ['kept', 'sid'],
          'cookies are not scoped by port',
        );
        assert.deepEqual(cookieNames(seen(a!, '/later')[0]), ['kept', 'sid'], 'a later item');
        const text = await fs.readFile(saved, 'utf8');
        assert.match(text, /^# Netscape HTTP Cookie File/);
        assert.match(
          text,
          /^#HttpOnly_127\.0\.0\.1\tFALSE\t\/\tFALSE\t0\tsid\tabc$/m,
          'a session cookie, as curl -c writes it',
        );
        const kept = /^127\.0\.0\.1\tFALSE\t\/\tFALSE\t(\d+)\tkept\t1$/m.exec(text);
        assert.ok(kept, text);
        assert.ok(
          Math.abs(Number(kept[1]) - (Date.now() / 1000 + 3600)) < 120,
          'Max-Age as an absolute expiry',
        );
        assert.equal(await jar.getCookieString(a!.origin), 'sid=abc; kept=1', "the caller's jar holds them");
      },
    );
  });

  test('without the cookies option no cookie is kept (as curl without -b or -c)', async () => {
    await withServers(
      [
        (req, res) => {
          res.setHeader('set-cookie', 'sid=abc');
          serveBody(req, res, bytes(10));
        },
      ],
      async ([a]) => {
        await download([a!.url('/one'), a!.url('/two')], { dir: await tempDir(), concurrency: 1 });
        assert.deepEqual(
          a!.requests.map((q) => q.headers.cookie),
          [undefined, undefined],
        );
      },
    );
  });

  test('with two event loops, a cookie set on either is sent by the other', async () => {
    // Each item fails with 503 until it brings the cookie the other item's response sets. The
    // first requests are answered once both have come (or after 5 s), so that both items are in
    // flight at once: the first on this thread, the second on the worker thread, for good.
    const wants: Record<string, [string, string]> = {
      '/main': ['from_worker', 'from_main'],
      '/worker': ['from_main', 'from_worker'],
    };
    let workerSeen = false;
    const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const [needed, set] = wants[req.url!]!;
      res.setHeader('set-cookie', `${set}=1`);
      if (!cookieNames({ headers: req.headers } as SeenRequest).includes(needed)) {
        return void res.writeHead(503, { 'retry-after': '0' }).end();
      }
      serveBody(req, res, bytes(10));
    };
    // The first request of /main waits for one of /worker (5 s at most).
    let parked: (() => void) | undefined;
    const release = () => {
      parked?.();
      parked = undefined;
    };
    const timer = setTimeout(release, 5000);
    timer.unref();
    await withServers(
      [
        (req, res) => {
          if (req.url === '/worker') {
            workerSeen = true;
            release();
          } else if (!workerSeen && !parked) {
            return void (parked = () => answer(req, res));
          }
          answer(req, res);
        },
      ],
      async ([a]) => {
        const work = await tempDir();
        const saved = path.join(work, 'saved.txt');
        const d = new Downloader([a!.url('/main'), a!.url('/worker')], {
          dir: work,
          // Enough connections per origin that each loop has a share (see hostShare).
          concurrency: 8,
          workers: 2,
          retries: 50,
          backoff: { baseMs: 10, maxMs: 50 },
          cookies: { save: saved },
        });
        const results: DownloadResult[] = [];
        d.on('result', (r) => results.push(r));
        await d.run();
        assert.equal(workerThreadsOf(d).length, 1, 'the second item ran on a worker thread');
        assert.deepEqual(results.map((r) => [r.url, r.status]).sort(), [
          [a!.url('/main'), 'ok'],
          [a!.url('/worker'), 'ok'],
        ]);
        const text = await fs.readFile(saved, 'utf8');
        assert.match(text, /\tfrom_worker\t1$/m, "a cookie set on the worker thread is in the run's jar");
      },
    );
  });
});
