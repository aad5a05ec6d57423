import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { runCli } from './cli.js';

const body = (p: string) => bytes(200, p.length + 3);

/** Serves every path, except that paths under /flaky/ answer 503 while not healed. */
async function flakyServer(): Promise<TestServer & { heal(): void; unheal(): void }> {
  let healed = false;
  const server = await startServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/flaky/') && !healed) return void res.writeHead(503).end('later');
    serveBody(req, res, body(url));
  });
  return Object.assign(server, { heal: () => (healed = true), unheal: () => (healed = false) });
}

const requested = (server: TestServer, from: number) =>
  server.requests
    .slice(from)
    .map((q) => q.url)
    .sort();

describe('--save-failed, then parafetch -i FILE', () => {
  test('CSV in, CSV out: the failed rows keep their path and sha256, and a re-run fetches only them', async () => {
    const server = await flakyServer();
    try {
      const work = await tempDir();
      const dir = path.join(work, 'out');
      const input = path.join(work, 'manifest.csv');
      await fs.writeFile(
        input,
        [
          'url,path,sha256',
          `${server.url('/ok/1.bin')},one.bin,`,
          `${server.url('/flaky/2.bin')},"two, renamed.bin",${sha256(body('/flaky/2.bin'))}`,
          `${server.url('/flaky/3.bin')},,`,
        ].join('\n'),
      );
      const failed = path.join(work, 'failed.csv');
      const first = await runCli(['-i', input, '-d', dir, '--retries', '0', '--save-failed', failed]);
      assert.equal(first.code, 1, first.stderr);
      // Rows are written as failures happen, so two concurrent failures may come in either order.
      const [header, ...rows] = (await fs.readFile(failed, 'utf8')).split('\n');
      assert.equal(header, 'url,path,sha256,key');
      assert.deepEqual(rows.sort(), [
        '',
        `${server.url('/flaky/2.bin')},"two, renamed.bin",${sha256(body('/flaky/2.bin'))},`,
        `${server.url('/flaky/3.bin')},,,`,
      ]);

      server.heal();
      const before = server.requests.length;
      const again = await runCli([
        '-i',
        failed,
        '-d',
        dir,
        '--save-failed',
        path.join(work, 'failed-again.csv'),
      ]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(requested(server, before), ['/flaky/2.bin', '/flaky/3.bin']);
      assert.deepEqual(await listFiles(dir), ['3.bin', 'one.bin', 'two, renamed.bin']);
      assert.equal(await fs.readFile(path.join(work, 'failed-again.csv'), 'utf8'), 'url,path,sha256,key\n');
    } finally {
      await server.close();
    }
  });

  test('the key and extra columns of failed rows are saved as CSV columns and JSON Lines properties', async () => {
    const server = await flakyServer();
    try {
      const work = await tempDir();
      const dir = path.join(work, 'out');
      const input = path.join(work, 'manifest.csv');
      await fs.writeFile(
        input,
        [
          'url,key,caption,width',
          `${server.url('/ok/1.bin')},s/0001,one,1`,
          `${server.url('/flaky/2.bin')},s/0002,"two, with comma",2`,
          `${server.url('/flaky/3.bin')},,,`,
          `${server.url('/ok/4.bin')},bad.key,four,4`,
        ].join('\n'),
      );
      const failed = path.join(work, 'failed.csv');
      const failedJsonl = path.join(work, 'failed.jsonl');
      const first = await runCli(['-i', input, '-d', dir, '--retries', '0', '--save-failed', failed]);
      assert.equal(first.code, 2, first.stderr);
      assert.match(first.stderr, /manifest\.csv:5: invalid key "bad\.key"/);
      const [header, ...rows] = (await fs.readFile(failed, 'utf8')).split('\n');
      assert.equal(header, 'url,path,sha256,key,caption,width');
      assert.deepEqual(rows.sort(), [
        '',
        `${server.url('/flaky/2.bin')},,,s/0002,"two, with comma",2`,
        `${server.url('/flaky/3.bin')},,,,,`,
      ]);

      server.heal();
      const before = server.requests.length;
      const again = await runCli(['-i', failed, '-d', dir, '--report', path.join(work, 'report.jsonl')]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(requested(server, before), ['/flaky/2.bin', '/flaky/3.bin']);
      server.unheal();

      const second = await runCli([
        '-i',
        input,
        '-d',
        path.join(work, 'again'),
        '--retries',
        '0',
        '--save-failed',
        failedJsonl,
      ]);
      assert.equal(second.code, 2, second.stderr);
      const saved = (await fs.readFile(failedJsonl, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .sort((a, b) => String(a.url).localeCompare(String(b.url)));
      assert.deepEqual(saved, [
        { url: server.url('/flaky/2.bin'), key: 's/0002', caption: 'two, with comma', width: '2' },
        { url: server.url('/flaky/3.bin'), caption: '', width: '' },
      ]);
    } finally {
      await server.close();
    }
  });

  test('URLs from the command line are saved as a plain list; a .jsonl name keeps headers', async () => {
    const server = await flakyServer();
    try {
      const work = await tempDir();
      const dir = path.join(work, 'out');
      const failedTxt = path.join(work, 'failed.txt');
      const first = await runCli([
        '-d',
        dir,
        '--retries',
        '0',
        '--save-failed',
        failedTxt,
        server.url('/ok/a.bin'),
        server.url('/flaky/b.bin'),
      ]);
      assert.equal(first.code, 1, first.stderr);
      assert.equal(await fs.readFile(failedTxt, 'utf8'), `${server.url('/flaky/b.bin')}\n`);

      const input = path.join(work, 'items.jsonl');
      const item = { url: server.url('/flaky/c.bin'), path: 'c.out', headers: { 'X-Key': 'k' } };
      await fs.writeFile(
        input,
        `${JSON.stringify({ url: server.url('/ok/d.bin') })}\n${JSON.stringify(item)}\n`,
      );
      const failedJsonl = path.join(work, 'failed.jsonl');
      const second = await runCli(['-i', input, '-d', dir, '--retries', '0', '--save-failed', failedJsonl]);
      assert.equal(second.code, 1, second.stderr);
      assert.deepEqual(JSON.parse(await fs.readFile(failedJsonl, 'utf8')), item);

      server.heal();
      const before = server.requests.length;
      const again = await runCli(['-i', failedTxt, '-i', failedJsonl, '-d', dir]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(requested(server, before), ['/flaky/b.bin', '/flaky/c.bin']);
      assert.equal(
        server.requests.slice(before).find((q) => q.url === '/flaky/c.bin')?.headers['x-key'],
        'k',
      );
      assert.deepEqual(await listFiles(dir), ['a.bin', 'b.bin', 'c.out', 'd.bin']);
    } finally {
      await server.close();
    }
  });

  test('a --save-failed name that cannot hold every field gets a warning; the same file as an input is refused', async () => {
    const server = await flakyServer();
    try {
      const work = await tempDir();
      const input = path.join(work, 'items.jsonl');
      await fs.writeFile(
        input,
        `${JSON.stringify({ url: server.url('/flaky/e.bin'), headers: { 'X-Key': 'k' } })}\n`,
      );
      const lossy = await runCli([
        '-i',
        input,
        '-d',
        work,
        '--retries',
        '0',
        '--save-failed',
        path.join(work, 'f.txt'),
      ]);
      assert.equal(lossy.code, 1);
      assert.match(lossy.stderr, /warning: .*f\.txt is written as txt, which leaves out headers/);

      const same = await runCli(['-i', input, '-d', work, '--save-failed', input]);
      assert.equal(same.code, 2);
      assert.match(same.stderr, /is the same file as/);
      assert.ok((await fs.readFile(input, 'utf8')).includes('/flaky/e.bin'), 'the input is untouched');
    } finally {
      await server.close();
    }
  });

  test('a .gz name is written gzipped and read back as such', async () => {
    const server = await flakyServer();
    try {
      const work = await tempDir();
      const dir = path.join(work, 'out');
      const failed = path.join(work, 'failed.txt.gz');
      const first = await runCli([
        '-d',
        dir,
        '--retries',
        '0',
        '--save-failed',
        failed,
        server.url('/flaky/g.bin'),
      ]);
      assert.equal(first.code, 1, first.stderr);
      assert.equal(gunzipSync(await fs.readFile(failed)).toString(), `${server.url('/flaky/g.bin')}\n`);
      server.heal();
      const again = await runCli(['-d', dir, '-i', failed]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await listFiles(dir), ['g.bin']);
    } finally {
      await server.close();
    }
  });
});
