import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { runCli } from './cli.js';

const body = (p: string) => bytes(100 + p.length, p.length);

async function withServer(run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startServer((req, res) => serveBody(req, res, body(req.url ?? '')));
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** Writes `text` (gzipped when the name ends in .gz) into a fresh folder; returns its path. */
async function manifest(name: string, text: string): Promise<string> {
  const file = path.join(await tempDir('parafetch-list-'), name);
  await fs.writeFile(file, name.endsWith('.gz') ? gzipSync(text) : text);
  return file;
}

async function assertBody(dir: string, file: string, urlPath: string): Promise<void> {
  assert.deepEqual(await fs.readFile(path.join(dir, file)), body(urlPath), file);
}

describe('inputs (-i)', () => {
  test('plain list: URL [path], comments and blank lines; a malformed line is reported with file:line, the rest downloads, exit 2', () =>
    withServer(async (server) => {
      const list = await manifest(
        'urls.txt',
        [
          '# a comment',
          server.url('/a.bin'),
          '',
          `${server.url('/b.bin')} sub/b-renamed.bin`,
          'this line has too many fields',
          'ftp://example.com/nope',
          server.url('/c.bin'),
        ].join('\n'),
      );
      const dir = await tempDir();
      const r = await runCli(['-i', list, '-d', dir]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^parafetch: ${list}:5: expected a URL and an optional path`, 'm'));
      assert.match(r.stderr, new RegExp(`^parafetch: ${list}:6: unsupported URL scheme`, 'm'));
      assert.match(r.stderr, /^ {2}2 input errors \(reported above\)$/m);
      assert.deepEqual(await listFiles(dir), ['a.bin', 'c.bin', 'sub/b-renamed.bin']);
      await assertBody(dir, 'sub/b-renamed.bin', '/b.bin');
    }));

  test('aria2c input file: mirrors, out=, dir=, header=, checksum=sha-256=', () =>
    withServer(async (server) => {
      const list = await manifest(
        'jobs.aria2',
        [
          `${server.url('/one.bin')}\t${server.url('/mirror/one.bin')}`,
          '  out=renamed.bin',
          '  dir=nested',
          `  checksum=sha-256=${sha256(body('/one.bin'))}`,
          server.url('/two.bin'),
          '\theader=X-Token: secret',
        ].join('\n'),
      );
      const dir = await tempDir();
      const r = await runCli(['-i', list, '-d', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await listFiles(dir), ['nested/renamed.bin', 'two.bin']);
      await assertBody(dir, 'nested/renamed.bin', '/one.bin');
      assert.equal(server.requests.find((q) => q.url === '/two.bin')?.headers['x-token'], 'secret');
    }));

  test('CSV and TSV with a header row (url, path, sha256), quoted fields', () =>
    withServer(async (server) => {
      const csv = await manifest(
        'manifest.csv',
        [
          'sha256,url,path,comment,comment',
          `${sha256(body('/x.bin'))},${server.url('/x.bin')},"folder, with comma/x.bin",first`,
          `,${server.url('/y.bin')},,second`,
        ].join('\r\n'),
      );
      const tsv = await manifest(
        'manifest.tsv',
        ['url\tpath', `${server.url('/z.bin')}\tz-renamed.bin`].join('\n'),
      );
      const dir = await tempDir();
      const r = await runCli(['-i', csv, '-i', tsv, '-d', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /warning: .*manifest\.csv:1: columns ignored \(repeated or without a name\): "comment"$/m,
      );
      assert.deepEqual(await listFiles(dir), ['folder, with comma/x.bin', 'y.bin', 'z-renamed.bin']);
      await assertBody(dir, 'z-renamed.bin', '/z.bin');
    }));

  test('JSON Lines: url, path, sha256, headers; a bad line names its line number', () =>
    withServer(async (server) => {
      const list = await manifest(
        'items.jsonl',
        [
          JSON.stringify({ url: server.url('/j1.bin'), path: 'j/1.bin', headers: { 'X-Req': 'j1' } }),
          '{"url": ',
          JSON.stringify({ url: server.url('/j2.bin'), sha256: sha256(body('/j2.bin')) }),
        ].join('\n'),
      );
      const dir = await tempDir();
      const r = await runCli(['-i', list, '-d', dir]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${list}:2: `));
      assert.deepEqual(await listFiles(dir), ['j/1.bin', 'j2.bin']);
      assert.equal(server.requests.find((q) => q.url === '/j1.bin')?.headers['x-req'], 'j1');
    }));

  test('gzipped lists (.txt.gz, .csv.gz) are read transparently', () =>
    withServer(async (server) => {
      const txt = await manifest(
        'urls.txt.gz',
        `${server.url('/g1.bin')}\n${server.url('/g2.bin')} g2.out\n`,
      );
      const csv = await manifest('rows.csv.gz', `url,path\n${server.url('/g3.bin')},g3.out\n`);
      const dir = await tempDir();
      const r = await runCli(['-i', txt, '-i', csv, '-d', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await listFiles(dir), ['g1.bin', 'g2.out', 'g3.out']);
      await assertBody(dir, 'g3.out', '/g3.bin');
    }));

  test('--input-format forces the format of a file named otherwise; -i - reads stdin', () =>
    withServer(async (server) => {
      const list = await manifest(
        'export.dat',
        `${JSON.stringify({ url: server.url('/f1.bin'), path: 'f1.out' })}\n`,
      );
      const dir = await tempDir();
      const forced = await runCli(['-i', list, '--input-format', 'jsonl', '-d', dir]);
      assert.equal(forced.code, 0, forced.stderr);

      const piped = await runCli(['-i', '-', '-d', dir], {
        stdin: `${server.url('/s1.bin')}\n${server.url('/s2.bin')}\n`,
      });
      assert.equal(piped.code, 0, piped.stderr);
      assert.deepEqual(await listFiles(dir), ['f1.out', 's1.bin', 's2.bin']);
    }));

  test('command-line URLs and several lists download together', () =>
    withServer(async (server) => {
      const a = await manifest('a.txt', `${server.url('/l1.bin')}\n`);
      const b = await manifest('b.jsonl', `${JSON.stringify({ url: server.url('/l2.bin') })}\n`);
      const dir = await tempDir();
      const r = await runCli([server.url('/u.bin'), '-i', a, '-i', b, '-d', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await listFiles(dir), ['l1.bin', 'l2.bin', 'u.bin']);
    }));
});
