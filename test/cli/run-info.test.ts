import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { redactArgv } from '../../src/cli/run-info.js';
import { tempDir, waitFor } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';
import { exited, jsonLines, runCli, spawnCli } from './cli.js';

interface RunInfo {
  version: string;
  startedAt: number;
  endedAt: number;
  argv: string[];
  options: Record<string, unknown>;
  summary: { ok: number; failed: number; bytes: number };
}

const PHASES = [
  'startedAt',
  'endedAt',
  'connectMs',
  'waitMs',
  'bodyMs',
  'retryWaitMs',
  'ttfbMs',
  'retryAfterMs',
];

test('--report FILE.gz writes FILE.gz.run.json at the start (endedAt 0) and again at the end, without a password, token or cookie', async () => {
  const work = await tempDir();
  const body = bytes(5000, 3);
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const server = await startServer((req, res) => void held.then(() => serveBody(req, res, body)));
  try {
    const report = path.join(work, 'report.jsonl.gz');
    const info = `${report}.run.json`;
    const url = server.url('/a.bin').replace('http://', 'http://alice:s3cret@');
    const child = spawnCli([
      '-d',
      path.join(work, 'out'),
      '-q',
      '-H',
      'Authorization: Bearer T0KEN',
      '--header=Cookie: sid=C00KIE',
      '-u',
      'bob:hunter2',
      '--report',
      report,
      url,
    ]);
    const end = exited(child, 30_000);
    // The request waits for the test: the file of a run still going is there already.
    await waitFor(() => existsSync(info) && server.requests.length > 0, 15_000);
    const during = JSON.parse(await fs.readFile(info, 'utf8')) as RunInfo;
    assert.equal(during.endedAt, 0);
    assert.ok(during.startedAt > 0);
    assert.equal(during.summary.ok, 0);
    release!();
    const r = await end;
    assert.equal(r.code, 0, r.stderr);
    const text = await fs.readFile(info, 'utf8');
    for (const secret of ['s3cret', 'T0KEN', 'C00KIE', 'hunter2']) assert.ok(!text.includes(secret), secret);
    const after = JSON.parse(text) as RunInfo;
    assert.equal(after.startedAt, during.startedAt);
    assert.ok(after.endedAt >= after.startedAt, text);
    assert.equal(after.summary.ok, 1);
    assert.equal(after.summary.bytes, body.length);
    assert.match(after.version, /^\d+\.\d+\.\d+/);
    assert.ok(after.argv.includes(url.replace('s3cret', '***')), text);
    assert.ok(after.argv.includes('Authorization: ***'), text);
    assert.ok(after.argv.includes('--header=Cookie: ***'), text);
    assert.ok(after.argv.includes('bob:***'), text);
    assert.equal(after.options.dir, path.join(work, 'out'));
    assert.equal(after.options.concurrency, 16);
    assert.equal(after.options.auth, true);
    assert.deepEqual((after.options.output as { format: string }).format, 'files');
    assert.deepEqual(after.options.headers, { authorization: '***', cookie: '***' });
    // The report itself is gzipped; its lines carry the phases.
    const [line] = jsonLines(gunzipSync(await fs.readFile(report)).toString('utf8'));
    for (const k of PHASES) assert.equal(typeof line![k], 'number', k);
    assert.equal(line!.worker, '');
    assert.ok(
      (line!.startedAt as number) >= after.startedAt - 1000 && (line!.endedAt as number) <= after.endedAt,
    );
  } finally {
    release!();
    await server.close();
  }
});

test('--workers 2: every report line carries its phases, the same as on one thread', async () => {
  const work = await tempDir();
  const server = await startServer((req, res) => {
    setTimeout(() => serveBody(req, res, bytes(3000, 4)), 100);
  });
  try {
    const report = path.join(work, 'r.jsonl');
    const urls = [1, 2, 3, 4].map((i) => server.url(`/t${i}.bin`));
    const r = await runCli([
      '-d',
      path.join(work, 'out'),
      '-q',
      '-j',
      '4',
      '--workers',
      '2',
      '--report',
      report,
      ...urls,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(await fs.readFile(report, 'utf8'));
    assert.equal(lines.length, 4);
    for (const l of lines) {
      const what = JSON.stringify(l);
      for (const k of PHASES) assert.equal(typeof l[k], 'number', `${k}: ${what}`);
      assert.ok((l.waitMs as number) >= 80, what);
      assert.ok((l.ttfbMs as number) >= (l.waitMs as number), what);
      assert.ok((l.endedAt as number) - (l.startedAt as number) >= (l.ms as number) - 1, what);
    }
  } finally {
    await server.close();
  }
});

test('redactArgv masks URL credentials, -u/--user values and Authorization/Cookie headers in every spelling', () => {
  const rows: [string[], string[]][] = [
    [['http://u:p@h/x'], ['http://u:***@h/x']],
    [
      ['-u', 'me:pw'],
      ['-u', 'me:***'],
    ],
    [['-ume:pw'], ['-ume:***']],
    [['--user=me:pw'], ['--user=me:***']],
    [
      ['--user', 'tokenonly'],
      ['--user', '***'],
    ],
    [
      ['-H', 'authorization: x'],
      ['-H', 'authorization: ***'],
    ],
    [['-HCookie: a=b'], ['-HCookie: ***']],
    [
      ['-H', 'Accept: text/plain'],
      ['-H', 'Accept: text/plain'],
    ],
    [
      ['--report', 'r.jsonl', '-j', '4'],
      ['--report', 'r.jsonl', '-j', '4'],
    ],
  ];
  for (const [argv, expected] of rows) assert.deepEqual(redactArgv(argv), expected, argv.join(' '));
});
