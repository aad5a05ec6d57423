import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listFiles, tempDir } from '../helpers/fs.js';
import { serveBody, startServer, type TestServer } from '../helpers/server.js';
import { jsonLines, runCli } from './cli.js';

/** Flags of aria2c, wget2 and curl that mean the same thing are accepted as spelled there. */

let server: TestServer;
before(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/busy') return void res.writeHead(503).end();
    if (req.url === '/hop') return void res.writeHead(302, { location: '/ok.bin' }).end();
    serveBody(req, res, Buffer.from(req.headers['user-agent'] ?? ''));
  });
});
after(() => server.close());

const requestsTo = (p: string) => server.requests.filter((r) => r.url === p).length;

test('-P and --input-file (wget2, aria2c) name the folder and the list; -U the User-Agent', async () => {
  const work = await tempDir();
  const list = path.join(work, 'list.txt');
  await fs.writeFile(list, `${server.url('/ua.bin')}\n`);
  const r = await runCli(['-q', '-P', path.join(work, 'out'), '--input-file', list, '-U', 'agent/7']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await fs.readFile(path.join(work, 'out', 'ua.bin'), 'utf8'), 'agent/7');
});

test('--tries N (wget2) and --max-tries N (aria2c) are N attempts in all; --retry N (curl) N more', async () => {
  const dir = await tempDir();
  const cases = [
    [['--tries', '2'], 2],
    [['-t', '1'], 1],
    [['--max-tries', '3'], 3],
    [['--retry', '1'], 2],
  ] as const;
  for (const [flags, attempts] of cases) {
    const before = requestsTo('/busy');
    const r = await runCli(['--json', '-d', dir, ...flags, server.url('/busy')], { ms: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    const result = jsonLines(r.stdout).find((e) => e.event === 'result') as { attempts: number } | undefined;
    assert.equal(result?.attempts, attempts, flags.join(' '));
    assert.equal(requestsTo('/busy') - before, attempts, `${flags.join(' ')}: requests at the server`);
  }
});

test('--max-redirect (wget2) and --max-redirs (curl) limit redirects; -L, --fail and --create-dirs change nothing', async () => {
  const dir = await tempDir();
  for (const flag of ['--max-redirect', '--max-redirs']) {
    const r = await runCli(['--json', '-d', dir, flag, '0', server.url('/hop')]);
    assert.equal(r.code, 1, r.stderr);
    const result = jsonLines(r.stdout).find((e) => e.event === 'result') as
      { error: { code: string } } | undefined;
    assert.equal(result?.error.code, 'TOO_MANY_REDIRECTS', flag);
  }
  const r = await runCli([
    '-q',
    '-L',
    '--fail',
    '--create-dirs',
    '-d',
    dir,
    '-o',
    'deep/er/x.bin',
    server.url('/hop'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await listFiles(dir), ['deep/er/x.bin']);
});

test('an alias given with the flag it means, or a number of tries without end, is a usage error', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--tries', '3', '--retries', '2'], /--tries\/--max-tries\/--retry and --retries say the same thing/],
    [['-P', 'a', '-d', 'b'], /-P\/--directory-prefix and -d\/--dir say the same thing/],
    [['--tries', '0'], /option '-t, --tries <N>' argument '0' is invalid\. a number of tries, at least 1/],
    [['--max-tries', 'inf'], /tries without end are not offered/],
  ];
  const before = server.requests.length;
  for (const [flags, message] of cases) {
    const r = await runCli([...flags, server.url('/ok.bin')]);
    assert.equal(r.code, 2, flags.join(' '));
    assert.match(r.stderr, message);
  }
  assert.equal(server.requests.length, before, 'nothing was fetched');
});

test('--help lists the aliases with what they mean and where they come from', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /From other tools/);
  assert.match(r.stdout, /--max-tries <N>\s+--retries N-1\s+\(aria2c\)/);
  assert.match(r.stdout, /--no-check-certificate\s+--insecure\s+\(wget2\)/);
  assert.match(r.stdout, /--max-download-limit <SIZE>\s+--max-file-rate SIZE\s+\(aria2c\)/);
});
