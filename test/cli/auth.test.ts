import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';
import { jsonLines, runCli } from './cli.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function withServer(
  handler: Parameters<typeof startServer>[0],
  run: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(handler);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe('credentials in URLs, on the command line', () => {
  test('sent as Basic, shown as user:*** in every line and file but --save-failed, which re-runs them', async () => {
    await withServer(
      (req, res) => {
        if (req.url === '/missing') return void res.writeHead(404).end();
        if (req.url === '/busy') return void res.writeHead(503, { 'retry-after': '0' }).end();
        serveBody(req, res, bytes(100));
      },
      async (server) => {
        const work = await tempDir();
        const secret = 's3cr3t-pw';
        const at = `alice:${secret}@${server.origin.slice('http://'.length)}`;
        const urls = [`http://${at}/ok.bin`, `http://${at}/missing`, `http://${at}/busy`];
        const report = path.join(work, 'report.jsonl');
        const failed = path.join(work, 'failed.txt');
        const r = await runCli(
          [
            ...urls,
            '-d',
            path.join(work, 'out'),
            '--progress',
            'plain',
            '--json',
            '--retries',
            '1',
            '--report',
            report,
            '--save-failed',
            failed,
          ],
          { cwd: work },
        );
        assert.equal(r.code, 1, r.stderr);
        for (const q of server.requests) assert.equal(q.headers.authorization, basic('alice', secret), q.url);

        const shown = 'alice:***@';
        const reportText = await fs.readFile(report, 'utf8');
        for (const [name, text] of [
          ['stderr (result lines and summary)', r.stderr],
          ['--json', r.stdout],
          ['--report', reportText],
        ] as const) {
          assert.ok(!text.includes(secret), `${name} shows the password:\n${text}`);
          assert.ok(text.includes(shown), `${name} names the URL:\n${text}`);
        }
        assert.match(r.stderr, /^failed {3}HTTP_404 .*alice:\*\*\*@/m, 'the error line');
        assert.match(r.stderr, /^ {2}HTTP_404 ×1 {2}http:\/\/alice:\*\*\*@/m, 'the summary');
        const events = jsonLines(r.stdout);
        assert.ok(events.some((e) => e.event === 'retry' && String(e.url).includes(shown)));
        assert.deepEqual(
          jsonLines(reportText)
            .map((x) => x.url)
            .sort(),
          urls.map((u) => u.replace(secret, '***')).sort(),
        );

        // The failed list keeps what the items were: run again, they send the same credentials.
        assert.deepEqual((await fs.readFile(failed, 'utf8')).trim().split('\n').sort(), urls.slice(1).sort());
        const before = server.requests.length;
        const again = await runCli(['-i', failed, '-d', path.join(work, 'out'), '--retries', '0', '-q'], {
          cwd: work,
        });
        assert.equal(again.code, 1, again.stderr);
        const rerun = server.requests.slice(before);
        assert.deepEqual(rerun.map((q) => q.url).sort(), ['/busy', '/missing']);
        for (const q of rerun) assert.equal(q.headers.authorization, basic('alice', secret));
        assert.ok(!again.stderr.includes(secret), again.stderr);
      },
    );
  });
});

describe('-u, --netrc, --netrc-file, --load-cookies, --save-cookies', () => {
  test('-u USER:PASSWORD, and a value without a colon is a usage error', async () => {
    await withServer(
      (req, res) => serveBody(req, res, bytes(10)),
      async (server) => {
        const work = await tempDir();
        const r = await runCli(['-u', 'bob:pa:ss', server.url('/a'), '-q'], { cwd: work });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(server.requests[0]?.headers.authorization, basic('bob', 'pa:ss'));
        const bad = await runCli(['--user', 'bob', server.url('/a')], { cwd: work });
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /USER:PASSWORD/);
      },
    );
  });

  test('--netrc reads ~/.netrc, --netrc-file FILE that file; a missing --netrc-file is a usage error', async () => {
    await withServer(
      (req, res) => serveBody(req, res, bytes(10)),
      async (server) => {
        const home = await tempDir();
        await fs.writeFile(path.join(home, '.netrc'), 'machine 127.0.0.1\n  login home\n  password hpw\n');
        const other = path.join(home, 'other-netrc');
        await fs.writeFile(other, 'default login file password fpw\n');
        const env = { HOME: home };
        const one = await runCli(['--netrc', server.url('/one'), '-q'], { cwd: home, env });
        assert.equal(one.code, 0, one.stderr);
        const two = await runCli(['--netrc-file', other, server.url('/two'), '-q'], { cwd: home, env });
        assert.equal(two.code, 0, two.stderr);
        const three = await runCli([server.url('/three'), '-q'], { cwd: home, env });
        assert.equal(three.code, 0, three.stderr);
        assert.deepEqual(
          server.requests.map((q) => [q.url, q.headers.authorization]),
          [
            ['/one', basic('home', 'hpw')],
            ['/two', basic('file', 'fpw')],
            ['/three', undefined],
          ],
        );
        const missing = await runCli(['--netrc-file', path.join(home, 'nope'), server.url('/x')], {
          cwd: home,
          env,
        });
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /netrc file .*nope/);
      },
    );
  });

  test('--load-cookies sends the matching cookies; --save-cookies writes what the run holds at its end', async () => {
    await withServer(
      (req, res) => {
        res.setHeader('set-cookie', 'fresh=yes; Path=/');
        serveBody(req, res, bytes(10));
      },
      async (server) => {
        const work = await tempDir();
        const load = path.join(work, 'in.txt');
        const save = path.join(work, 'out.txt');
        await fs.writeFile(
          load,
          '# Netscape HTTP Cookie File\n' +
            '#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\told\tone\n' +
            '127.0.0.1\tFALSE\t/private\tFALSE\t0\tnot_here\ttwo\n',
        );
        const r = await runCli(
          [
            '--load-cookies',
            load,
            '--save-cookies',
            save,
            server.url('/a'),
            server.url('/b'),
            '-j',
            '1',
            '-q',
          ],
          { cwd: work },
        );
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(
          server.requests.map((q) => [q.url, q.headers.cookie]),
          [
            ['/a', 'old=one'],
            ['/b', 'old=one; fresh=yes'],
          ],
        );
        const saved = await fs.readFile(save, 'utf8');
        for (const line of [
          '#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\told\tone',
          '127.0.0.1\tFALSE\t/private\tFALSE\t0\tnot_here\ttwo',
          '127.0.0.1\tFALSE\t/\tFALSE\t0\tfresh\tyes',
        ]) {
          assert.ok(saved.split('\n').includes(line), `${line}\n in\n${saved}`);
        }
        const missing = await runCli(['--load-cookies', path.join(work, 'nope'), server.url('/x')], {
          cwd: work,
        });
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /cookie file .*nope/);
      },
    );
  });
});
