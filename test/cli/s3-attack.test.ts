import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createS3Client } from '../../src/storage/s3/s3-client.js';
import { tempDir } from '../helpers/fs.js';
import { startS3Server, useS3rverCredentials, type S3TestServer } from '../helpers/s3-server.js';
import { bytes, serveBody, startServer, type TestServer } from '../helpers/server.js';
import { duckdb, parquetRows, requireGnuTar, tarMember, tarNames } from '../helpers/shards.js';
import { exited, jsonLines, runCli, spawnCli } from './cli.js';

useS3rverCredentials();

const KiB = 1024;
const MiB = 1024 * KiB;
const key = (i: number) => String(i).padStart(9, '0');

const s3Env = () => ({
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE,
  AWS_SHARED_CREDENTIALS_FILE: process.env.AWS_SHARED_CREDENTIALS_FILE,
});

const small = Array.from({ length: 16 }, (_, i) => bytes(1 + i * 1531, 60 + i));
const big = bytes(6 * MiB + 333, 91);

let s3: S3TestServer;
let http: TestServer;
let duck: DuckDBConnection;
/** Called when /stall is asked for; the response never comes. */
let onStall: (() => void) | undefined;
before(async () => {
  requireGnuTar();
  s3 = await startS3Server();
  duck = await duckdb();
  http = await startServer((req, res) => {
    const url = req.url ?? '';
    const m = /^\/f(\d+)\.bin$/.exec(url);
    if (m && small[Number(m[1])]) return serveBody(req, res, small[Number(m[1])]!);
    if (url === '/big.bin') return serveBody(req, res, big);
    if (url === '/stall') return void onStall?.();
    const dup = /^\/dup\/(\d+)\/same\.bin$/.exec(url);
    if (dup && small[Number(dup[1])]) return serveBody(req, res, small[Number(dup[1])]!);
    const cd = /^\/cd\/(\d+)$/.exec(url);
    if (cd) {
      // Names a server may give: a path, a dot-dot, an absolute one.
      const names = ['report.pdf', '../../up.bin', '/abs/olute.bin', 'sub/dir/x.bin', '..', ''];
      const name = names[Number(cd[1])] ?? 'z.bin';
      const body = small[Number(cd[1])]!;
      res.writeHead(200, {
        'content-length': body.length,
        'content-disposition': `attachment; filename="${name}"`,
      });
      return void res.end(body);
    }
    res.writeHead(404).end();
  });
});
after(async () => {
  duck?.closeSync();
  await http.close();
  await s3.close();
});

function client() {
  return createS3Client({ endpoint: s3.endpoint });
}

async function getObject(k: string): Promise<Buffer | undefined> {
  const c = client();
  try {
    const out = await c.send(new GetObjectCommand({ Bucket: s3.bucket, Key: k }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  } finally {
    c.destroy();
  }
}

async function putObject(k: string, body: Buffer): Promise<void> {
  const c = client();
  try {
    await c.send(new PutObjectCommand({ Bucket: s3.bucket, Key: k, Body: body }));
  } finally {
    c.destroy();
  }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const c = client();
  try {
    const out = await c.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    c.destroy();
  }
}

/** An object downloaded into a local file, for GNU tar and DuckDB. */
async function download(k: string, dir: string): Promise<string> {
  const body = await getObject(k);
  assert.ok(body, `${k} is in the bucket`);
  const file = path.join(dir, k.replace(/\//g, '_'));
  await fs.writeFile(file, body);
  return file;
}

const s3Args = (prefix: string) => ['-d', `s3://${s3.bucket}/${prefix}`, '--s3-endpoint', s3.endpoint];

describe('--output-format webdataset -d s3://', () => {
  test('shards go up as objects that GNU tar and DuckDB read back; a re-run reads their stats and index and fetches nothing', async () => {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    const urls = [
      ...small.slice(0, 6).map((_, i) => http.url(`/f${i}.bin`)),
      http.url('/missing'),
      http.url('/big.bin'),
    ];
    await fs.writeFile(list, urls.join('\n') + '\n');
    const args = [
      '-i',
      list,
      '--output-format',
      'webdataset',
      '--shard-items',
      '4',
      ...s3Args('ws1'),
      '--s3-part-size',
      '5M',
      '--retries',
      '0',
      '--progress',
      'none',
    ];
    const first = await runCli(args, { env: s3Env(), ms: 60_000 });
    assert.equal(first.code, 1, `one item is missing: ${first.stderr}`);
    assert.deepEqual(await keysUnder('ws1/'), [
      'ws1/000000.parquet',
      'ws1/000000.tar',
      'ws1/000000_stats.json',
      'ws1/000001.parquet',
      'ws1/000001.tar',
      'ws1/000001_stats.json',
      'ws1/_stats.json',
    ]);
    const tar0 = await download('ws1/000000.tar', work);
    assert.deepEqual(
      await tarNames(tar0),
      [0, 1, 2, 3].flatMap((i) => [`${key(i)}.bin`, `${key(i)}.json`]),
    );
    for (let i = 0; i < 4; i++) assert.deepEqual(await tarMember(tar0, `${key(i)}.bin`), small[i]);
    const tar1 = await download('ws1/000001.tar', work);
    assert.deepEqual(
      await tarNames(tar1),
      [4, 5, 7].flatMap((i) => [`${key(i)}.bin`, `${key(i)}.json`]),
    );
    assert.deepEqual(
      await tarMember(tar1, `${key(7)}.bin`),
      big,
      'the large item, through a multipart upload',
    );
    const rows = await parquetRows(duck, await download('ws1/000001.parquet', work));
    assert.deepEqual(
      rows.map((r) => [r.index, r.status, r.error_code]),
      [
        [4, 'ok', null],
        [5, 'ok', null],
        [6, 'failed', 'HTTP_404'],
        [7, 'ok', null],
      ],
    );
    assert.deepEqual(await s3.pendingUploads(), [], 'no multipart upload left open');

    const before = http.requests.length;
    const again = await runCli([...args, '--json'], { env: s3Env(), ms: 60_000 });
    assert.equal(again.code, 1, again.stderr);
    assert.equal(http.requests.length, before, 'nothing is fetched again');
    const results = jsonLines(again.stdout).filter((e) => e.event === 'result');
    assert.equal(results.filter((r) => r.status === 'skipped').length, 7);
    assert.deepEqual(
      await fs.readFile(tar1),
      await getObject('ws1/000001.tar'),
      'the shard is not written again',
    );
  });

  test('SIGTERM while a shard goes up in parts: no shard object for it, no multipart upload left open', async () => {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    const urls = [
      ...small.slice(0, 4).map((_, i) => http.url(`/f${i}.bin`)),
      http.url('/big.bin'),
      http.url('/stall'),
    ];
    await fs.writeFile(list, urls.join('\n') + '\n');
    const stalled = new Promise<void>((resolve) => (onStall = resolve));
    const child = spawnCli(
      [
        '-i',
        list,
        '--output-format',
        'webdataset',
        '--shard-items',
        '4',
        ...s3Args('ws2'),
        '--s3-part-size',
        '5M',
        '--progress',
        'none',
      ],
      { env: s3Env() },
    );
    try {
      await stalled;
      // Shard 1's tar holds the large item: its first part has gone up.
      await s3.answered((r) => r.method === 'PUT' && r.url.startsWith(`/${s3.bucket}/ws2/000001.tar?`));
      await s3.answered((r) => r.method === 'PUT' && r.url.startsWith(`/${s3.bucket}/ws2/000000_stats.json`));
    } finally {
      child.kill('SIGTERM');
    }
    const res = await exited(child, 30_000);
    onStall = undefined;
    assert.equal(res.code, 130, res.stderr);
    assert.deepEqual(await keysUnder('ws2/'), [
      'ws2/000000.parquet',
      'ws2/000000.tar',
      'ws2/000000_stats.json',
    ]);
    assert.deepEqual(await s3.pendingUploads(), [], 'the multipart upload of the shard was aborted');
  });
});

describe('shards into a store that cannot take them', () => {
  for (const [what, dest, endpoint] of [
    ['a bucket that does not exist', 's3://no-such-bucket/x', () => s3.endpoint],
    ['an endpoint that refuses connections', `s3://test-bucket/x`, () => 'http://127.0.0.1:1'],
  ] as const) {
    test(`${what}: a STORE_ERROR, exit non-zero, no hang`, async () => {
      const work = await tempDir();
      const list = path.join(work, 'list.txt');
      await fs.writeFile(list, [0, 1, 2].map((i) => http.url(`/f${i}.bin`)).join('\n') + '\n');
      const res = await runCli(
        ['-i', list, '--output-format', 'webdataset', '-d', dest, '--s3-endpoint', endpoint(), '--json'],
        { env: s3Env(), ms: 60_000 },
      );
      assert.ok(res.code !== null && res.code !== 0, `exit ${res.code}: ${res.stderr}`);
      assert.match(res.stderr + res.stdout, /STORE_ERROR/, res.stderr);
      assert.doesNotMatch(res.stderr, /\n\s+at .*\.js:\d+/, `a clear message, no stack: ${res.stderr}`);
    });
  }
});

describe('loose files into s3://', () => {
  test('--workers 2: every object whole, under its own name', async () => {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    await fs.writeFile(list, small.map((_, i) => http.url(`/f${i}.bin`)).join('\n') + '\n');
    const res = await runCli(
      ['-i', list, ...s3Args('w2'), '--workers', '2', '-j', '8', '--retries', '0', '--progress', 'none'],
      { env: s3Env(), ms: 60_000 },
    );
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(await keysUnder('w2/'), small.map((_, i) => `w2/f${i}.bin`).sort());
    for (const [i, body] of small.entries()) assert.deepEqual(await getObject(`w2/f${i}.bin`), body, `f${i}`);
  });

  test('--workers 2 with one name for many items: each its own object, numbered, none replaced', async () => {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    await fs.writeFile(list, small.map((_, i) => http.url(`/dup/${i}/same.bin`)).join('\n') + '\n');
    const res = await runCli(
      [
        '-i',
        list,
        ...s3Args('w2dup'),
        '--workers',
        '2',
        '-j',
        '8',
        '--json',
        '--retries',
        '0',
        '--progress',
        'none',
      ],
      { env: s3Env(), ms: 60_000 },
    );
    assert.equal(res.code, 0, res.stderr);
    const results = jsonLines(res.stdout).filter((e) => e.event === 'result');
    const paths = results.map((r) => r.path as string);
    assert.equal(new Set(paths).size, small.length, `one name each: ${paths.join(' ')}`);
    assert.equal((await keysUnder('w2dup/')).length, small.length);
    for (const r of results) {
      const i = Number(/\/dup\/(\d+)\//.exec(String(r.url))![1]);
      assert.deepEqual(await getObject(`w2dup/${String(r.path)}`), small[i], String(r.path));
    }
  });

  test('--keep-both keeps an object already there and puts the new one beside it; --overwrite replaces it', async () => {
    const work = await tempDir();
    const old = Buffer.from('old bytes');
    await putObject('kb/f0.bin', old);
    await putObject('kb/f1.bin', old);
    await putObject('kb/f1.1.bin', old);
    const list = path.join(work, 'list.txt');
    await fs.writeFile(list, [0, 1].map((i) => http.url(`/f${i}.bin`)).join('\n') + '\n');
    const keep = await runCli(['-i', list, ...s3Args('kb'), '--keep-both', '--json', '--retries', '0'], {
      env: s3Env(),
      ms: 30_000,
    });
    assert.equal(keep.code, 0, keep.stderr);
    assert.deepEqual(await keysUnder('kb/'), [
      'kb/f0.1.bin',
      'kb/f0.bin',
      'kb/f1.1.bin',
      'kb/f1.2.bin',
      'kb/f1.bin',
    ]);
    assert.deepEqual(await getObject('kb/f0.bin'), old);
    assert.deepEqual(await getObject('kb/f0.1.bin'), small[0]);
    assert.deepEqual(await getObject('kb/f1.1.bin'), old);
    assert.deepEqual(await getObject('kb/f1.2.bin'), small[1]);

    const over = await runCli(['-i', list, ...s3Args('kb'), '--overwrite', '--retries', '0'], {
      env: s3Env(),
      ms: 30_000,
    });
    assert.equal(over.code, 0, over.stderr);
    assert.deepEqual(await getObject('kb/f0.bin'), small[0]);
    assert.deepEqual(await getObject('kb/f1.bin'), small[1]);

    // Without either: the object there is kept and nothing is fetched.
    await putObject('kb/f0.bin', old);
    const before = http.requests.length;
    const skip = await runCli(['-i', list, ...s3Args('kb'), '--json', '--retries', '0'], {
      env: s3Env(),
      ms: 30_000,
    });
    assert.equal(skip.code, 0, skip.stderr);
    assert.equal(http.requests.length, before);
    assert.deepEqual(await getObject('kb/f0.bin'), old);
  });

  test('--content-disposition: a name with a path, dot-dots or nothing usable stays under the prefix', async () => {
    const work = await tempDir();
    const list = path.join(work, 'list.txt');
    await fs.writeFile(list, [0, 1, 2, 3, 4, 5].map((i) => http.url(`/cd/${i}`)).join('\n') + '\n');
    const res = await runCli(
      [
        '-i',
        list,
        ...s3Args('cd'),
        '--content-disposition',
        '--json',
        '--retries',
        '0',
        '--progress',
        'none',
      ],
      { env: s3Env(), ms: 30_000 },
    );
    const results = jsonLines(res.stdout).filter((e) => e.event === 'result');
    assert.equal(results.length, 6, res.stderr);
    const all = await keysUnder('');
    const outside = all.filter((k) => !k.startsWith('cd/') && /^(up|olute|x|report|cd|[0-9])/.test(k));
    assert.deepEqual(outside, [], `no object outside the prefix: ${all.join(' ')}`);
    assert.deepEqual(await getObject('cd/report.pdf'), small[0]);
    for (const r of results) {
      if (r.status !== 'ok') continue;
      const p = String(r.path);
      assert.ok(!p.split('/').includes('..'), p);
      assert.deepEqual(await getObject(`cd/${p}`), small[Number(/\/cd\/(\d+)$/.exec(String(r.url))![1])], p);
    }
  });
});
