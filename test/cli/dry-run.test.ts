import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listFiles, tempDir } from '../helpers/fs.js';
import { serveBody, startServer, type TestServer } from '../helpers/server.js';
import { jsonLines, runCli } from './cli.js';

/** `--dry-run`: what would be fetched to which path, with the count, and no request. */

let server: TestServer;
before(async () => {
  server = await startServer((req, res) => serveBody(req, res, Buffer.from('x')));
});
after(() => server.close());

async function listIn(dir: string, lines: string[]): Promise<string> {
  const list = path.join(dir, 'list.txt');
  await fs.writeFile(list, lines.join('\n') + '\n');
  return list;
}

test('prints each item with its path and what would be done, counts them, and asks nothing', async () => {
  const work = await tempDir();
  const out = path.join(work, 'out');
  await fs.mkdir(out);
  await fs.writeFile(path.join(out, 'there.bin'), 'old');
  const list = await listIn(work, [
    `${server.url('/a/file.bin')}`,
    `${server.url('/b/file.bin')}`,
    `${server.url('/a/file.bin')}`,
    `${server.url('/')}`,
    `${server.url('/x')} sub/named.dat`,
    `${server.url('/there.bin')}`,
    `${server.url('/escape')} ../outside.bin`,
    'not a url',
  ]);
  const r = await runCli(['--dry-run', '-i', list, '-d', out]);
  assert.equal(r.code, 2, 'the malformed line makes it a usage error, as in a run');
  assert.deepEqual(r.stdout.trim().split('\n'), [
    `fetch  ${server.url('/a/file.bin')} -> file.bin`,
    `fetch  ${server.url('/b/file.bin')} -> file.1.bin`,
    `fetch  ${server.url('/a/file.bin')} -> file.bin`,
    `fetch  ${server.url('/')} -> index.html`,
    `fetch  ${server.url('/x')} -> sub/named.dat`,
    `skip  ${server.url('/there.bin')} -> there.bin (already there)`,
    `refuse  ${server.url('/escape')} -> ../outside.bin (UNSAFE_PATH: unsafe destination "../outside.bin": it leaves the download directory)`,
  ]);
  assert.match(r.stderr, /list\.txt:8/, 'the bad line is named by file and line');
  assert.match(r.stderr, /Dry run: 7 items: 5 to fetch, 1 already there, 1 refused; no request made/);
  assert.equal(server.requests.length, 0, 'no request');
  assert.deepEqual(await listFiles(out), ['there.bin'], 'nothing written');
});

test('--json gives one object per item; -c shows what would be continued', async () => {
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'part.bin'), 'abc');
  const r = await runCli([
    '--dry-run',
    '--json',
    '-c',
    '-d',
    dir,
    server.url('/part.bin'),
    server.url('/new.bin'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [
    {
      url: server.url('/part.bin'),
      path: 'part.bin',
      action: 'continue',
      note: "from 3 bytes, if shorter than the server's",
    },
    { url: server.url('/new.bin'), path: 'new.bin', action: 'fetch', note: null },
  ]);
  assert.equal(server.requests.length, 0);
});

test('WebDataset output: the shard each item would go into', async () => {
  const dir = await tempDir();
  const urls = [0, 1, 2].map((i) => server.url(`/${i}.jpg`));
  const r = await runCli([
    '--dry-run',
    '--output-format',
    'webdataset',
    '--shard-items',
    '2',
    '-d',
    dir,
    ...urls,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' -> ')[1]),
    ['000000.tar', '000000.tar', '000001.tar'],
  );
  assert.deepEqual(await listFiles(dir), []);
});
