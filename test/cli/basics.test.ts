import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { VERSION } from '../../src/index.js';
import { fileSha256, listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { jsonLines, runCli } from './cli.js';

/** A server with a few files: /a.bin, /b.bin, /dir/c.txt; /missing answers 404; /hang never answers. */
async function fileServer(): Promise<TestServer> {
  return startServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/hang') return; // no answer at all
    if (url.startsWith('/missing')) return void res.writeHead(404).end('not here');
    serveBody(req, res, bytes(1000, url.length));
  });
}

const body = (p: string) => bytes(1000, p.length);

describe('parafetch command', () => {
  test('--help shows usage, defaults, examples and exit codes; --version the version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const text of [
      'Usage: parafetch [options] [URL ...]',
      '-i, --input',
      '(default: 16)',
      'Examples:',
      '130',
    ]) {
      assert.ok(help.stdout.includes(text), `help mentions ${text}`);
    }
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), VERSION);
  });

  test('usage errors exit with 2 and say why, before any request', async () => {
    const server = await fileServer();
    try {
      const cases: [string[], RegExp][] = [
        [[], /nothing to download/],
        [['--bogus'], /unknown option '--bogus'/],
        [['-j', '0', server.url('/a.bin')], /concurrency.*Expected an integer from 1/],
        [['--timeout', 'soon', server.url('/a.bin')], /timeout.*seconds/],
        [['-o', 'x.bin', server.url('/a.bin'), server.url('/b.bin')], /single URL/],
        [['-H', 'no colon', server.url('/a.bin')], /Name: value/],
        [['-k', '12X', server.url('/a.bin')], /size in bytes/],
        [['--progress', 'fancy', server.url('/a.bin')], /Allowed choices/],
        [['--overwrite', '--keep-both', server.url('/a.bin')], /cannot be used with/],
        [['ftp://example.com/x'], /not an http\(s\) URL/],
        [['-i', '/nonexistent/list.txt'], /cannot read input \/nonexistent\/list.txt: no such file/],
      ];
      for (const [args, message] of cases) {
        const r = await runCli(['-d', await tempDir(), ...args]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
      }
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  test('downloads URLs into --dir, prints a line per file and the summary, exits 0', async () => {
    const server = await fileServer();
    try {
      const dir = await tempDir();
      const r = await runCli([
        '-d',
        dir,
        '--progress',
        'plain',
        server.url('/a.bin'),
        server.url('/dir/c.txt'),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '', 'nothing on stdout without --json');
      assert.deepEqual(await listFiles(dir), ['a.bin', 'c.txt']);
      assert.deepEqual(await fs.readFile(path.join(dir, 'a.bin')), body('/a.bin'));
      assert.match(r.stderr, /^ok +1000 B +a\.bin/m);
      assert.match(r.stderr, /^ok +1000 B +c\.txt/m);
      assert.match(r.stderr, /^Done: 2 ok, 0 skipped, 0 failed; 2\.0 KiB in /m);
    } finally {
      await server.close();
    }
  });

  test('-o names the single URL; a re-run skips it without a request (the default --skip-existing)', async () => {
    const server = await fileServer();
    try {
      const dir = await tempDir();
      const first = await runCli(['-d', dir, '-o', 'sub/named.bin', server.url('/a.bin')]);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(await listFiles(dir), ['sub/named.bin']);
      assert.equal(server.requests.length, 1);

      const again = await runCli(['-d', dir, '-o', 'sub/named.bin', server.url('/a.bin')]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /^skipped +1000 B +sub\/named\.bin/m);
      assert.equal(server.requests.length, 1, 'no request for a file already there');

      const overwrite = await runCli(['-d', dir, '--overwrite', '-o', 'sub/named.bin', server.url('/b.bin')]);
      assert.equal(overwrite.code, 0, overwrite.stderr);
      assert.deepEqual(await fs.readFile(path.join(dir, 'sub/named.bin')), body('/b.bin'));

      const both = await runCli(['-d', dir, '--keep-both', '-o', 'sub/named.bin', server.url('/a.bin')]);
      assert.equal(both.code, 0, both.stderr);
      assert.deepEqual(await listFiles(dir), ['sub/named.1.bin', 'sub/named.bin']);
    } finally {
      await server.close();
    }
  });

  test('a failed item makes the exit code 1; the summary groups failures by code with example URLs', async () => {
    const server = await fileServer();
    try {
      const dir = await tempDir();
      const missing = [server.url('/missing/1'), server.url('/missing/2')];
      const r = await runCli(['-d', dir, server.url('/a.bin'), ...missing]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^failed +HTTP_404 +server answered 404 for .*\/missing\/1$/m);
      assert.match(r.stderr, /^Done: 1 ok, 0 skipped, 2 failed;/m);
      const group = r.stderr.split('\n').find((line) => line.includes('HTTP_404 ×2'));
      assert.ok(group?.includes(missing[0]!) && group.includes(missing[1]!), r.stderr);
      assert.deepEqual(await listFiles(dir), ['a.bin'], 'no file for a failure');
    } finally {
      await server.close();
    }
  });

  test("--no-hash: the report's sha256 is empty, and an item checksum is still enforced", async () => {
    const server = await fileServer();
    try {
      const dir = await tempDir();
      const lists = await tempDir();
      const report = path.join(lists, 'report.jsonl');
      const list = path.join(lists, 'list.csv');
      const wrong = '0'.repeat(64);
      await fs.writeFile(
        list,
        `url,path,sha256\n${server.url('/dir/c.txt')},c.txt,\n${server.url('/a.txt')},a.txt,${wrong}\n`,
      );
      const r = await runCli([
        '-d',
        dir,
        '-i',
        list,
        '--no-hash',
        '--retries',
        '0',
        '--report',
        report,
        '-q',
      ]);
      assert.equal(r.code, 1);
      const lines = jsonLines(await fs.readFile(report, 'utf8'));
      const ok = lines.find((l) => l.path === 'c.txt')!;
      assert.equal(ok.status, 'ok');
      assert.equal(ok.sha256, '');
      assert.equal(await fileSha256(path.join(dir, 'c.txt')), sha256(body('/dir/c.txt')));
      const bad = lines.find((l) => l.path === 'a.txt')!;
      assert.equal((bad.error as { code: string }).code, 'CHECKSUM_MISMATCH');
      assert.deepEqual(await listFiles(dir), ['c.txt']);
    } finally {
      await server.close();
    }
  });

  test(
    'a report that cannot be written is said once, with its name; the run stops with exit 2',
    { skip: !existsSync('/dev/full') && 'no /dev/full here' },
    async () => {
      const server = await fileServer();
      try {
        // /dev/full opens, then every write fails with ENOSPC.
        const r = await runCli(['-d', await tempDir(), '--report', '/dev/full', '-q', server.url('/a.txt')]);
        assert.equal(r.code, 2, r.stderr);
        const said = r.stderr.split('\n').filter((l) => l.includes('cannot write /dev/full'));
        assert.equal(said.length, 1, r.stderr);
        assert.match(said[0]!, /ENOSPC/);
      } finally {
        await server.close();
      }
    },
  );

  test('--report writes one line per item, every key present with a stable type, path relative to --dir', async () => {
    const server = await fileServer();
    try {
      const dir = await tempDir();
      const report = path.join(await tempDir(), 'report.jsonl');
      const r = await runCli([
        '-d',
        dir,
        '--report',
        report,
        '-q',
        server.url('/dir/c.txt'),
        server.url('/missing'),
      ]);
      assert.equal(r.code, 1);
      const lines = jsonLines(await fs.readFile(report, 'utf8'));
      assert.equal(lines.length, 2);
      const times = ['startedAt', 'endedAt', 'connectMs', 'waitMs', 'bodyMs', 'retryWaitMs', 'ttfbMs'];
      const keys = ['url', 'path', 'status', 'bytes', 'sha256', 'attempts', 'ms', 'queuedMs', ...times];
      for (const line of lines)
        assert.deepEqual(Object.keys(line), [...keys, 'retryAfterMs', 'worker', 'error']);
      const ok = lines.find((l) => l.status === 'ok')!;
      for (const k of times) assert.equal(typeof ok[k], 'number', k);
      const zeroed = Object.fromEntries(times.map((k) => [k, 0]));
      assert.deepEqual(
        { ...ok, ms: 0, queuedMs: 0, ...zeroed },
        {
          url: server.url('/dir/c.txt'),
          path: 'c.txt',
          status: 'ok',
          bytes: 1000,
          sha256: sha256(body('/dir/c.txt')),
          attempts: 1,
          ms: 0,
          queuedMs: 0,
          ...zeroed,
          retryAfterMs: 0,
          worker: '',
          error: { code: '', message: '' },
        },
      );
      assert.equal(typeof ok.ms, 'number');
      assert.equal(typeof ok.queuedMs, 'number');
      const failed = lines.find((l) => l.status === 'failed')!;
      assert.equal(failed.sha256, '');
      assert.deepEqual(Object.keys(failed.error as object), ['code', 'message']);
      assert.equal((failed.error as { code: string }).code, 'HTTP_404');
    } finally {
      await server.close();
    }
  });

  test('--quiet prints nothing for a run, even with failures; the exit code tells', async () => {
    const server = await fileServer();
    try {
      const r = await runCli(['-d', await tempDir(), '-q', server.url('/a.bin'), server.url('/missing')]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, '');
    } finally {
      await server.close();
    }
  });

  test('--json prints only JSON Lines events on stdout: start, result, end', async () => {
    const server = await fileServer();
    try {
      const dir = await tempDir();
      const r = await runCli(['-d', dir, '--json', server.url('/a.bin'), server.url('/missing')]);
      assert.equal(r.code, 1);
      const events = jsonLines(r.stdout); // throws on any line that is not JSON
      assert.deepEqual(events.map((e) => e.event).sort(), ['end', 'result', 'result', 'start', 'start']);
      assert.equal(events.at(-1)!.event, 'end');
      assert.deepEqual(
        { ...events.at(-1)!, ms: 0 },
        {
          event: 'end',
          ok: 1,
          skipped: 0,
          failed: 1,
          cancelled: 0,
          notStarted: 0,
          bytes: 1000,
          ms: 0,
          aborted: false,
          failuresByCode: { HTTP_404: 1 },
          inputErrors: 0,
        },
      );
      const result = events.find((e) => e.event === 'result' && e.status === 'ok')!;
      assert.equal(result.path, 'a.bin');
      assert.equal(result.sha256, sha256(body('/a.bin')));
    } finally {
      await server.close();
    }
  });

  test('headers, user agent, timeouts and retries reach the engine', async () => {
    const server = await fileServer();
    try {
      const dir = await tempDir();
      const r = await runCli([
        '-d',
        dir,
        '-H',
        'X-Token: abc def',
        '--header',
        'Accept: text/plain',
        '--user-agent',
        'tester/1',
        server.url('/a.bin'),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const seen = server.requests[0]!.headers;
      assert.equal(seen['x-token'], 'abc def');
      assert.equal(seen.accept, 'text/plain');
      assert.equal(seen['user-agent'], 'tester/1');

      const t0 = Date.now();
      const hang = await runCli(['-d', dir, '--timeout', '0.3', '--retries', '0', server.url('/hang')]);
      assert.equal(hang.code, 1);
      assert.match(hang.stderr, /HEADERS_TIMEOUT/);
      assert.ok(Date.now() - t0 < 5000, 'the 0.3 s headers timeout applied');
    } finally {
      await server.close();
    }
  });

  test('-j limits files at once; -x splits a large file into ranges', async () => {
    let inFlight = 0;
    let peak = 0;
    const big = bytes(4 << 20, 7);
    const server = await startServer((req, res) => {
      if (req.url === '/big.bin') return serveBody(req, res, big, { etag: '"big"' });
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        serveBody(req, res, bytes(10));
      }, 50);
    });
    try {
      const dir = await tempDir();
      const urls = Array.from({ length: 8 }, (_, i) => server.url(`/f${i}`));
      const r = await runCli(['-d', dir, '-j', '2', ...urls]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(peak, 2);

      const split = await runCli(['-d', dir, '-x', '4', '-k', '256K', server.url('/big.bin')]);
      assert.equal(split.code, 0, split.stderr);
      assert.equal(sha256(await fs.readFile(path.join(dir, 'big.bin'))), sha256(big));
      const ranges = server.requests.filter((q) => q.url === '/big.bin' && q.headers.range !== undefined);
      assert.ok(ranges.length >= 2, `ranged requests: ${ranges.length}`);
    } finally {
      await server.close();
    }
  });

  test('--progress bar forced on a pipe draws the display and still ends with the summary', async () => {
    const server = await fileServer();
    try {
      const r = await runCli(['-d', await tempDir(), '--progress', 'bar', server.url('/a.bin')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /1\/1 files/);
      assert.match(r.stderr, /^Done: 1 ok/m);
    } finally {
      await server.close();
    }
  });

  test('--insecure, --max-redirects and --content-disposition reach the engine', async () => {
    const tls = await startServer((req, res) => serveBody(req, res, body('/a.bin')), { tls: true });
    const server = await startServer((req, res) => {
      if (req.url === '/hop') return void res.writeHead(302, { location: '/a.bin' }).end();
      if (req.url === '/download?id=7') {
        res.setHeader('content-disposition', 'attachment; filename="report-7.pdf"');
      }
      serveBody(req, res, body('/a.bin'));
    });
    try {
      const dir = await tempDir();
      const verified = await runCli(['-d', dir, '--retries', '0', tls.url('/a.bin')]);
      assert.equal(verified.code, 1);
      assert.match(verified.stderr, /TLS_ERROR/);
      const insecure = await runCli(['-d', dir, '--insecure', tls.url('/a.bin')]);
      assert.equal(insecure.code, 0, insecure.stderr);

      const noRedirects = await runCli(['-d', dir, '--max-redirects', '0', server.url('/hop')]);
      assert.equal(noRedirects.code, 1);
      assert.match(noRedirects.stderr, /TOO_MANY_REDIRECTS/);

      const named = await runCli(['-d', dir, '--content-disposition', server.url('/download?id=7')]);
      assert.equal(named.code, 0, named.stderr);
      assert.deepEqual(await listFiles(dir), ['a.bin', 'report-7.pdf']);
    } finally {
      await tls.close();
      await server.close();
    }
  });
});
