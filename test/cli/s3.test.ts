import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/storage/s3/s3-client.js';
import { tempDir } from '../helpers/fs.js';
import { startS3Server, useS3rverCredentials, type S3TestServer } from '../helpers/s3-server.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { exited, jsonLines, runCli, spawnCli } from './cli.js';

useS3rverCredentials();

const KiB = 1024;
const MiB = 1024 * KiB;

/** What the command needs to reach the test store: the credentials set above, and the endpoint. */
const s3Env = () => ({
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE,
  AWS_SHARED_CREDENTIALS_FILE: process.env.AWS_SHARED_CREDENTIALS_FILE,
});

const small = Array.from({ length: 12 }, (_, i) => bytes(1 + i * 997, 40 + i));
const large = bytes(12 * MiB + 12345, 77);

let s3: S3TestServer;
let http: TestServer;
let slowGate: (() => void) | undefined;
before(async () => {
  s3 = await startS3Server();
  http = await startServer((req, res) => {
    const m = /^\/f(\d+)\.bin$/.exec(req.url ?? '');
    if (m) return serveBody(req, res, small[Number(m[1])]!);
    if (req.url === '/large.bin') return serveBody(req, res, large);
    if (req.url === '/slow.bin') {
      // 6 MiB (more than one 5 MiB part) at once, then nothing more: the test interrupts the command.
      slowGate?.();
      res.writeHead(200, { 'content-length': large.length });
      res.write(large.subarray(0, 6 * MiB));
      return;
    }
    res.writeHead(404).end();
  });
});
after(async () => {
  await http.close();
  await s3.close();
});

async function getObject(key: string): Promise<Buffer | undefined> {
  const client = createS3Client({ endpoint: s3.endpoint });
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  } finally {
    client.destroy();
  }
}

async function headObject(key: string): Promise<Record<string, string> | undefined> {
  const client = createS3Client({ endpoint: s3.endpoint });
  try {
    const out = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    return out.Metadata ?? {};
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

test('-d s3://bucket/prefix: every file becomes an object, a large one in parts; a re-run asks the store and fetches nothing', async () => {
  const work = await tempDir();
  const list = path.join(work, 'list.txt');
  const lines = [
    ...small.map((_, i) => http.url(`/f${i}.bin`) + (i === 3 ? ' sub/dir/three.bin' : '')),
    http.url('/large.bin'),
    http.url('/missing.bin'),
  ];
  await fs.writeFile(list, lines.join('\n') + '\n');
  const report = path.join(work, 'report.jsonl');
  const args = [
    '-i',
    list,
    '-d',
    `s3://${s3.bucket}/run1`,
    '--s3-endpoint',
    s3.endpoint,
    '--s3-part-size',
    '5M',
  ];
  const first = await runCli([...args, '--report', report, '--progress', 'none', '--retries', '0'], {
    env: s3Env(),
    ms: 60_000,
  });
  assert.equal(first.code, 1, `one item is missing on the server: ${first.stderr}`);
  for (const [i, body] of small.entries()) {
    const key = i === 3 ? 'run1/sub/dir/three.bin' : `run1/f${i}.bin`;
    assert.deepEqual(await getObject(key), body, key);
  }
  assert.deepEqual(await getObject('run1/large.bin'), large);
  assert.equal(await getObject('run1/missing.bin'), undefined, 'a failed item leaves no object');
  // The small objects carry their SHA-256 for a later check; every upload sent it to the store.
  assert.equal((await headObject('run1/f0.bin'))?.sha256, sha256(small[0]!));
  const puts = s3.requests.filter((r) => r.method === 'PUT' && r.url.startsWith(`/${s3.bucket}/run1/`));
  assert.ok(
    puts.length >= small.length + 3,
    `PutObject per small file and parts for the large one: ${puts.length}`,
  );
  for (const put of puts) assert.ok(put.headers['x-amz-checksum-sha256'], `${put.url} sent its SHA-256`);
  assert.ok(
    s3.requests.some((r) => r.method === 'POST' && r.url.startsWith(`/${s3.bucket}/run1/large.bin?uploads`)),
    'the large file went up as a multipart upload',
  );

  const records = jsonLines(await fs.readFile(report, 'utf8'));
  const byUrl = new Map(records.map((r) => [r.url, r]));
  assert.equal(byUrl.get(http.url('/f3.bin'))?.path, 'sub/dir/three.bin');
  assert.equal(byUrl.get(http.url('/large.bin'))?.path, 'large.bin');
  assert.equal(byUrl.get(http.url('/large.bin'))?.sha256, sha256(large));
  assert.equal((byUrl.get(http.url('/missing.bin'))?.error as { code: string }).code, 'HTTP_404');

  // Again: every object is there, so only the missing one is asked for.
  const before = http.requests.length;
  const second = await runCli([...args, '--json', '--retries', '0'], { env: s3Env(), ms: 60_000 });
  assert.equal(second.code, 1, second.stderr);
  const results = jsonLines(second.stdout).filter((e) => e.event === 'result');
  assert.equal(results.filter((r) => r.status === 'skipped').length, small.length + 1);
  assert.deepEqual(
    http.requests.slice(before).map((r) => r.url),
    ['/missing.bin'],
    'nothing already in the store is fetched again',
  );
});

test('an unsafe path for an object is refused by its name, and the other items still go up', async () => {
  const work = await tempDir();
  const list = path.join(work, 'list.txt');
  await fs.writeFile(list, `${http.url('/f0.bin')} ../../escape.bin\n${http.url('/f1.bin')}\n`);
  const res = await runCli(
    ['-i', list, '-d', `s3://${s3.bucket}/run2`, '--s3-endpoint', s3.endpoint, '--json', '--retries', '0'],
    { env: s3Env(), ms: 30_000 },
  );
  assert.equal(res.code, 1, res.stderr);
  const results = jsonLines(res.stdout).filter((e) => e.event === 'result');
  const escape = results.find((r) => r.url === http.url('/f0.bin'));
  assert.equal((escape?.error as { code: string }).code, 'UNSAFE_PATH');
  assert.deepEqual(await getObject('run2/f1.bin'), small[1]);
  assert.equal(await getObject('escape.bin'), undefined);
});

test('interrupted mid-upload: no object appears and no multipart upload is left open', async () => {
  const arrived = new Promise<void>((resolve) => (slowGate = resolve));
  const child = spawnCli(
    [
      http.url('/slow.bin'),
      '-d',
      `s3://${s3.bucket}/run3`,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-part-size',
      '5M',
    ],
    { env: s3Env() },
  );
  await arrived;
  // The first part (5 MiB of the 6 sent at once) goes up before the trickle.
  await s3.answered((r) => r.method === 'PUT' && r.url.startsWith(`/${s3.bucket}/run3/slow.bin?`));
  child.kill('SIGTERM');
  const res = await exited(child, 30_000);
  assert.equal(res.code, 130, res.stderr);
  assert.equal(await getObject('run3/slow.bin'), undefined, 'no object under its name');
  assert.deepEqual(await s3.pendingUploads(), [], 'the multipart upload was aborted');
});

test('a bucket that does not exist fails each item with STORE_ERROR, by the code the store gave', async () => {
  const res = await runCli(
    [
      http.url('/f0.bin'),
      '-d',
      's3://no-such-bucket/x',
      '--s3-endpoint',
      s3.endpoint,
      '--json',
      '--retries',
      '0',
    ],
    { env: s3Env(), ms: 30_000 },
  );
  assert.equal(res.code, 1, res.stderr);
  const [result] = jsonLines(res.stdout).filter((e) => e.event === 'result');
  const error = result?.error as { code: string; message: string };
  assert.equal(error.code, 'STORE_ERROR', JSON.stringify(error));
  assert.match(error.message, /NoSuchBucket/);
});
