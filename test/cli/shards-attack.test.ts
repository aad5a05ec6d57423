import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { listFiles, tempDir } from '../helpers/fs.js';
import { startRawServer, type RawServer } from '../helpers/raw-server.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';
import { duckdb, parquetRows, requireGnuTar, tarList, tarMember, tarNames } from '../helpers/shards.js';
import { jsonLines, runCli } from './cli.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const key = (i: number) => String(i).padStart(9, '0');

let duck: DuckDBConnection;
before(async () => {
  requireGnuTar();
  duck = await duckdb();
});
after(() => duck?.closeSync());

/** The members of every shard in `dir`, by shard name, in order. */
async function shardMembers(dir: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const name of (await fs.readdir(dir)).sort()) {
    if (/^\d{6}\.tar$/.test(name)) out.set(name, await tarNames(path.join(dir, name)));
  }
  return out;
}

describe('a hostile server into shards', () => {
  const bodies = {
    short: bytes(64 * KiB, 1),
    reset: bytes(300 * KiB, 2),
    long: bytes(1000, 3),
    huge: bytes(10, 4),
    typed: bytes(777, 5),
    json: Buffer.from('{"a":1}'),
  };
  const attempts = new Map<string, number>();
  let raw: RawServer;
  before(async () => {
    raw = await startRawServer((socket, req) => {
      const p = req.path;
      const n = (attempts.get(p) ?? 0) + 1;
      attempts.set(p, n);
      const head = (length: number | string, type = 'application/octet-stream') =>
        `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`;
      const whole = (body: Buffer, type?: string) => {
        socket.write(head(body.length, type));
        socket.end(body);
      };
      switch (p) {
        case '/short': // half the body, then a clean close; whole the second time
          if (n === 1) {
            socket.write(head(bodies.short.length));
            return void socket.end(bodies.short.subarray(0, bodies.short.length / 2));
          }
          return whole(bodies.short);
        case '/reset': // a reset mid-body; whole the second time
          if (n === 1) {
            socket.write(head(bodies.reset.length));
            socket.write(bodies.reset.subarray(0, 100 * KiB), () => socket.resetAndDestroy());
            return;
          }
          return whole(bodies.reset);
        case '/long': // more bytes than Content-Length says: what follows the message is not read
          socket.write(head(bodies.long.length));
          return void socket.end(Buffer.concat([bodies.long, bodies.long]));
        case '/huge': // a huge length and a tiny body; honest the second time
          if (n === 1) {
            socket.write(head(50 * 1024 * MiB));
            return void socket.end(bodies.huge);
          }
          return whole(bodies.huge);
        case '/typed-dots': // a content type that names a path
          return whole(bodies.typed, 'image/../../x');
        case '/typed-ctl': // a control character in a header: no HTTP/1.1 response
          socket.write(head(bodies.typed.length, 'image/p\x01ng'));
          return void socket.end(bodies.typed);
        case '/typed-odd': // a content type of mixed case and parameters
          return whole(bodies.typed, 'IMAGE/PNG ; charset="../x"');
        case '/doc.json': // a JSON body: never in the place of the metadata member
          return whole(bodies.json, 'application/json');
        default:
          socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      }
    });
  });
  after(() => raw.close());

  test('a control character in a header: a CONNECTION_ERROR of that item, retried, and the rest of the shard carries on', async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    const list = path.join(work, 'list.txt');
    await fs.writeFile(
      list,
      [raw.url('/typed-dots'), raw.url('/typed-ctl'), raw.url('/doc.json')].join('\n') + '\n',
    );
    const report = path.join(work, 'report.jsonl');
    const res = await runCli(
      [
        '-i',
        list,
        '--output-format',
        'webdataset',
        '-d',
        out,
        '--retries',
        '1',
        '--report',
        report,
        '--progress',
        'none',
      ],
      { ms: 60_000 },
    );
    assert.equal(res.code, 1, res.stderr);
    const failed = jsonLines(await fs.readFile(report, 'utf8')).filter((r) => r.status === 'failed');
    assert.deepEqual(
      failed.map((r) => [r.url, (r.error as { code: string }).code, r.attempts]),
      [[raw.url('/typed-ctl'), 'CONNECTION_ERROR', 2]],
    );
    assert.match((failed[0]!.error as { message: string }).message, /Invalid header value char/);
    assert.deepEqual(await tarNames(path.join(out, '000000.tar')), [
      `${key(0)}.bin`,
      `${key(0)}.json`,
      `${key(2)}.data.json`,
      `${key(2)}.json`,
    ]);
  });

  test('a body cut short, reset, too long or smaller than its huge length: the shard holds exactly the final bytes, never a part', async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    const list = path.join(work, 'list.txt');
    attempts.clear();
    const paths = ['/short', '/reset', '/long', '/huge', '/typed-dots', '/typed-odd', '/doc.json'];
    await fs.writeFile(list, paths.map((p) => raw.url(p)).join('\n') + '\n');
    const report = path.join(work, 'report.jsonl');
    const res = await runCli(
      [
        '-i',
        list,
        '--output-format',
        'webdataset',
        '-d',
        out,
        '--retries',
        '2',
        '--report',
        report,
        '--progress',
        'none',
      ],
      { ms: 60_000 },
    );
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(await listFiles(out), [
      '000000.parquet',
      '000000.tar',
      '000000_stats.json',
      '_stats.json',
    ]);
    const tar = path.join(out, '000000.tar');
    const names = await tarNames(tar);
    assert.deepEqual(names, [
      `${key(0)}.bin`,
      `${key(0)}.json`,
      `${key(1)}.bin`,
      `${key(1)}.json`,
      `${key(2)}.bin`,
      `${key(2)}.json`,
      `${key(3)}.bin`,
      `${key(3)}.json`,
      `${key(4)}.bin`,
      `${key(4)}.json`,
      `${key(5)}.png`,
      `${key(5)}.json`,
      `${key(6)}.data.json`,
      `${key(6)}.json`,
    ]);
    for (const n of names) assert.match(n, /^[0-9]{9}\.[a-z0-9]+(\.json)?$/, n);
    assert.deepEqual(await tarMember(tar, `${key(0)}.bin`), bodies.short);
    assert.deepEqual(await tarMember(tar, `${key(1)}.bin`), bodies.reset);
    assert.deepEqual(await tarMember(tar, `${key(2)}.bin`), bodies.long);
    assert.deepEqual(await tarMember(tar, `${key(3)}.bin`), bodies.huge);
    assert.deepEqual(await tarMember(tar, `${key(4)}.bin`), bodies.typed);
    assert.deepEqual(await tarMember(tar, `${key(6)}.data.json`), bodies.json);
    const meta = JSON.parse((await tarMember(tar, `${key(4)}.json`)).toString());
    assert.equal(meta.content_type, 'image/../../x');
    // Sizes in the tar headers are the bytes kept, not what a server said.
    const sizes = (await tarList(tar)).map((l) => Number(l.split(/\s+/)[2]));
    assert.deepEqual(
      sizes.filter((_, i) => i % 2 === 0),
      [bodies.short.length, bodies.reset.length, 1000, bodies.huge.length, 777, 777, bodies.json.length],
    );

    const rows = await parquetRows(duck, path.join(out, '000000.parquet'));
    assert.deepEqual(
      rows.map((r) => [r.index, r.status, r.error_code, r.bytes]),
      [
        [0, 'ok', null, bodies.short.length],
        [1, 'ok', null, bodies.reset.length],
        [2, 'ok', null, 1000],
        [3, 'ok', null, bodies.huge.length],
        [4, 'ok', null, 777],
        [5, 'ok', null, 777],
        [6, 'ok', null, bodies.json.length],
      ],
    );
    const records = jsonLines(await fs.readFile(report, 'utf8'));
    assert.equal(records.length, paths.length);
    assert.deepEqual(
      [...attempts.entries()].filter(([, n]) => n > 1).map(([p]) => p),
      ['/short', '/reset', '/huge'],
      'the three cut bodies were fetched again',
    );
    assert.deepEqual(
      (await fs.readdir(out)).filter((n) => n.startsWith('.')),
      [],
      'no upload or spool left behind',
    );
  });
});

describe('hostile input into shards', () => {
  let server: TestServer;
  const body = (i: number) => bytes(100 + i * 13, 200 + i);
  before(async () => {
    server = await startServer((req, res) => {
      const i = Number(/^\/k\/(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN);
      if (!(i >= 0 && i < 100)) return void res.writeHead(404).end();
      serveBody(req, res, body(i));
    });
  });
  after(() => server.close());

  test('colliding, cut, odd and refused keys; fields named __proto__, constructor, "" or in unicode: members unique, JSON and parquet valid', async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    const long200 = 'x'.repeat(200);
    const long200b = 'x'.repeat(199) + 'y';
    const items: Record<string, unknown>[] = [
      { key: 'dup', __proto__x: 1 }, // 0
      { key: 'dup' }, // 1: the same key in one shard
      { key: 'a/b' }, // 2: made a_b
      { key: 'a_b' }, // 3: collides with 2 once made safe
      { key: long200 }, // 4: at the limit, cut
      { key: long200b }, // 5: the same once cut
      { key: key(7) }, // 6: the index key of item 7
      {}, // 7: its own index key, taken by 6
      { key: 'ü/日本' }, // 8: nothing safe is left: the index key
      { key: 12345 }, // 9: a number
      { key: 'x'.repeat(201) }, // 10: too long: refused
      { key: 'a.b' }, // 11: a dot: refused
      { key: 'dup_000000001' }, // 12: what 1 became
    ];
    const lines = items.map((item, i) => {
      const fields =
        i === 0 ? '"__proto__":"p","constructor":"c","":"empty","ключ":"значение","toString":1,' : '';
      const own = Object.entries(item).filter(([k]) => k !== '__proto__x');
      const rest = JSON.stringify({ url: server.url(`/k/${i}`), ...Object.fromEntries(own) }).slice(1);
      return `{${fields}${rest}`;
    });
    // A field that would replace a fixed one of the metadata.
    lines.push(
      JSON.stringify({
        url: server.url('/k/13'),
        key: 'fixed',
        url_: 1,
        sha256x: 'x',
        size: 'huge',
        status: 'no',
      }),
    );
    const manifest = path.join(work, 'items.jsonl');
    await fs.writeFile(manifest, lines.join('\n') + '\n');
    const res = await runCli(
      [
        '-i',
        manifest,
        '--output-format',
        'webdataset',
        '-d',
        out,
        '--json',
        '--retries',
        '0',
        '--progress',
        'none',
      ],
      { ms: 60_000 },
    );
    assert.equal(res.code, 2, `two keys are refused as input errors: ${res.stderr}`);
    assert.match(res.stderr, /items\.jsonl:11: invalid key "x+\.\.\.": it is longer than 200 characters/);
    assert.match(res.stderr, /items\.jsonl:12: invalid key "a\.b"/);
    const results = jsonLines(res.stdout).filter((e) => e.event === 'result');
    assert.equal(results.length, lines.length - 2, 'every other item has a result');
    const indexOf = (i: number) => results.find((r) => r.url === server.url(`/k/${i}`))!.index as number;

    const tar = path.join(out, '000000.tar');
    const names = await tarNames(tar);
    assert.equal(new Set(names).size, names.length, `member names are unique: ${names.join(' ')}`);
    const dataNames = names.filter((n) => !n.endsWith('.json'));
    const keys = dataNames.map((n) => n.slice(0, n.indexOf('.')));
    const cut = 'x'.repeat(128);
    assert.deepEqual(keys, [
      'dup',
      `dup_${key(1)}`,
      'a_b',
      `a_b_${key(3)}`,
      cut,
      `${cut}_${key(5)}`,
      key(7),
      `${key(7)}_${key(7)}`,
      key(8),
      '12345',
      `dup_000000001_${key(indexOf(12))}`,
      'fixed',
    ]);
    for (const [j, k] of keys.entries()) {
      const i = j < 10 ? j : j === 10 ? 12 : 13;
      assert.deepEqual(await tarMember(tar, `${k}.bin`), body(i), `member ${k}`);
      const meta = JSON.parse((await tarMember(tar, `${k}.json`)).toString()) as Record<string, unknown>;
      assert.equal(meta.key, k);
      assert.equal(meta.url, server.url(`/k/${i}`));
      assert.equal(meta.status, 'ok');
      assert.equal(meta.size, body(i).length);
    }
    const meta0 = JSON.parse((await tarMember(tar, 'dup.json')).toString()) as Record<string, unknown>;
    assert.ok(Object.hasOwn(meta0, '__proto__'), 'a field named __proto__ is kept as a field');
    assert.equal(Object.getOwnPropertyDescriptor(meta0, '__proto__')?.value, 'p');
    assert.equal(Object.getOwnPropertyDescriptor(meta0, 'constructor')?.value, 'c');
    assert.equal(meta0[''], 'empty');
    assert.equal(meta0['ключ'], 'значение');
    assert.equal(meta0.toString, 1);
    const metaFixed = JSON.parse((await tarMember(tar, 'fixed.json')).toString()) as Record<string, unknown>;
    assert.equal(metaFixed.size, body(13).length, 'a field never replaces a fixed key');
    assert.equal(metaFixed.status, 'ok');

    const rows = await parquetRows(duck, path.join(out, '000000.parquet'));
    assert.equal(rows.length, lines.length - 2);
    assert.deepEqual(
      rows.map((r) => r.index),
      rows.map((_, i) => i),
    );
    assert.deepEqual(
      rows.filter((r) => r.status === 'ok').map((r) => r.key),
      keys,
      'the index names the members',
    );
  });

  test('a re-run with another input into the same folder: a STORE_ERROR naming both URLs, never "skipped" for an item never fetched', async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    const listOf = async (name: string, from: number, n: number) => {
      const file = path.join(work, name);
      await fs.writeFile(
        file,
        Array.from({ length: n }, (_, i) => server.url(`/k/${from + i}`)).join('\n') + '\n',
      );
      return file;
    };
    const args = (input: string) => [
      '-i',
      input,
      '--output-format',
      'webdataset',
      '--shard-items',
      '4',
      '-d',
      out,
      '--json',
      '--progress',
      'none',
    ];
    const first = await runCli(args(await listOf('a.txt', 30, 4)), { ms: 30_000 });
    assert.equal(first.code, 0, first.stderr);
    const tar = await fs.readFile(path.join(out, '000000.tar'));
    const second = await runCli(args(await listOf('b.txt', 40, 5)), { ms: 30_000 });
    assert.notEqual(second.code, 0, second.stderr);
    const results = jsonLines(second.stdout).filter((e) => e.event === 'result');
    assert.deepEqual(
      results.filter((r) => r.status === 'skipped').map((r) => r.url),
      [],
      'an item of the new input is never said to be there',
    );
    const first0 = results.find((r) => r.index === 0)!;
    assert.equal(first0.status, 'failed');
    assert.equal((first0.error as { code: string }).code, 'STORE_ERROR');
    assert.match(
      (first0.error as { message: string }).message,
      new RegExp(`${server.url('/k/40')}.*000000\\.tar.*${server.url('/k/30')}`),
    );
    assert.deepEqual(await fs.readFile(path.join(out, '000000.tar')), tar, 'the complete shard is kept');
  });

  test('a CSV column named __proto__ or constructor stays a field of the metadata', async () => {
    const work = await tempDir();
    const out = path.join(work, 'out');
    const csv = path.join(work, 'items.csv');
    await fs.writeFile(
      csv,
      `url,__proto__,constructor,key,hasOwnProperty\n${server.url('/k/20')},p,c,one,h\n${server.url('/k/21')},,,two,\n`,
    );
    const res = await runCli(['-i', csv, '--output-format', 'webdataset', '-d', out, '--progress', 'none'], {
      ms: 30_000,
    });
    assert.equal(res.code, 0, res.stderr);
    const tar = path.join(out, '000000.tar');
    assert.deepEqual(await tarNames(tar), ['one.bin', 'one.json', 'two.bin', 'two.json']);
    const meta = JSON.parse((await tarMember(tar, 'one.json')).toString()) as Record<string, unknown>;
    assert.equal(Object.getOwnPropertyDescriptor(meta, '__proto__')?.value, 'p');
    assert.equal(Object.getOwnPropertyDescriptor(meta, 'constructor')?.value, 'c');
    assert.equal(meta.hasOwnProperty, 'h');
    assert.deepEqual(await shardMembers(out), new Map([['000000.tar', await tarNames(tar)]]));
  });
});
