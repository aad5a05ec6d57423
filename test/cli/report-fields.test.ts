import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatDuration } from '../../src/render/format.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { duckdb } from '../helpers/shards.js';
import { jsonLines, runCli } from './cli.js';

/** What DuckDB makes of a report's columns, as `name: TYPE`. */
async function columnTypes(report: string): Promise<Record<string, string>> {
  const duck = await duckdb();
  try {
    const reader = await duck.runAndReadAll(
      `describe select * from read_json_auto('${report.replace(/'/g, "''")}')`,
    );
    return Object.fromEntries(
      reader.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]),
    );
  } finally {
    duck.closeSync();
  }
}

const REPORT_TYPES = {
  url: 'VARCHAR',
  path: 'VARCHAR',
  status: 'VARCHAR',
  bytes: 'BIGINT',
  sha256: 'VARCHAR',
  attempts: 'BIGINT',
  ms: 'BIGINT',
  queuedMs: 'BIGINT',
  startedAt: 'BIGINT',
  endedAt: 'BIGINT',
  connectMs: 'BIGINT',
  waitMs: 'BIGINT',
  bodyMs: 'BIGINT',
  retryWaitMs: 'BIGINT',
  ttfbMs: 'BIGINT',
  retryAfterMs: 'BIGINT',
  worker: 'VARCHAR',
  error: 'STRUCT(code VARCHAR, message VARCHAR)',
};

describe('the report', () => {
  let work: string;
  let server: TestServer;
  const files = new Map<string, Buffer>([
    ['/a.bin', bytes(1000, 1)],
    ['/b.bin', bytes(8192, 2)],
    ['/c.bin', bytes(300 * 1024, 3)],
  ]);

  before(async () => {
    work = await tempDir();
    server = await startServer((req, res) => {
      const url = new URL(req.url!, server.origin);
      const body = files.get(url.pathname);
      const wait = Number(url.searchParams.get('wait') ?? 0);
      const answer = () => (body ? serveBody(req, res, body) : res.writeHead(404).end());
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
  });
  after(async () => {
    await server.close();
    await fs.rm(work, { recursive: true, force: true });
  });

  test('-j 1: ms is the time of each download alone, queuedMs the time it waited for its turn (was: ms grew with the queue)', async () => {
    const dir = path.join(work, 'j1');
    const report = path.join(work, 'j1.jsonl');
    const n = 6;
    const urls = Array.from({ length: n }, (_, i) => server.url(`/a.bin?wait=100&n=${i}`));
    const args = ['-d', dir, '-j', '1', '--report', report, '--progress', 'plain', '--json'];
    const list = path.join(work, 'j1.txt');
    await fs.writeFile(list, urls.map((u, i) => `${u} f${i}.bin`).join('\n') + '\n');
    const r = await runCli([...args, '-i', list]);
    assert.equal(r.code, 0, r.stderr);
    const end = jsonLines(r.stdout).find((e) => e.event === 'end')!;
    const lines = jsonLines(await fs.readFile(report, 'utf8')).sort((a, b) =>
      String(a.path).localeCompare(String(b.path)),
    );
    assert.equal(lines.length, n);
    const ms = lines.map((l) => l.ms as number);
    const queued = lines.map((l) => l.queuedMs as number);
    // The server waits 100 ms before each answer: no download is shorter.
    for (const m of ms) assert.ok(m >= 100, `ms ${ms.join(', ')}`);
    // One at a time, each download's time is its own: together they fit in the run (±1 ms each for rounding).
    const sum = ms.reduce((a, b) => a + b, 0);
    assert.ok(
      sum <= (end.ms as number) + n,
      `ms ${ms.join(', ')} add up to ${sum}, the run took ${String(end.ms)}`,
    );
    // Each waited at least as long as those before it took.
    let before = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(queued[i]! + 2 * i >= before, `queuedMs ${queued.join(', ')}, ms ${ms.join(', ')}`);
      before += ms[i]!;
    }
    // The plain lines say the same time as the report.
    for (let i = 0; i < n; i++) {
      const line = r.stderr.split('\n').find((l) => l.startsWith('ok ') && l.includes(` f${i}.bin `));
      assert.ok(line?.endsWith(`  ${formatDuration(ms[i]!)}`), `${line} says ${formatDuration(ms[i]!)}`);
    }
  });

  test('columns keep one type whatever the outcome: DuckDB reads the same table from an all-ok run, an all-skipped one and one with failures', async () => {
    const dir = path.join(work, 'types');
    const ok = path.join(work, 'ok.jsonl');
    const skipped = path.join(work, 'skipped.jsonl');
    const failed = path.join(work, 'failed.jsonl');
    const good = [server.url('/a.bin'), server.url('/b.bin')];
    assert.equal((await runCli(['-d', dir, '-q', '--report', ok, ...good])).code, 0);
    assert.equal((await runCli(['-d', dir, '-q', '--report', skipped, ...good])).code, 0);
    const list = path.join(work, 'failures.csv');
    await fs.writeFile(
      list,
      `url,path,sha256\n${server.url('/c.bin')},c.bin,${sha256(files.get('/c.bin')!)}\n` +
        `${server.url('/missing')},m.bin,\n${server.url('/b.bin')},wrong.bin,${'0'.repeat(64)}\n`,
    );
    assert.equal((await runCli(['-d', dir, '-q', '--retries', '0', '--report', failed, '-i', list])).code, 1);
    assert.deepEqual(
      jsonLines(await fs.readFile(skipped, 'utf8')).map((l) => l.status),
      ['skipped', 'skipped'],
    );
    for (const report of [ok, skipped, failed]) {
      assert.deepEqual(await columnTypes(report), REPORT_TYPES, path.basename(report));
    }
  });

  test('a failed checksum reports the bytes received (was 0), on this thread and on a worker thread', async () => {
    for (const workers of ['1', '2']) {
      const report = path.join(work, `checksum-${workers}.jsonl`);
      const list = path.join(work, `checksum-${workers}.csv`);
      // 8 KiB is received in one burst in memory; 300 KiB is streamed into a .part file.
      await fs.writeFile(
        list,
        `url,path,sha256\n${server.url('/b.bin')},b.bin,${'0'.repeat(64)}\n` +
          `${server.url('/c.bin')},c.bin,${'1'.repeat(64)}\n`,
      );
      const r = await runCli([
        '-d',
        path.join(work, `checksum-${workers}`),
        '-q',
        '-j',
        '2',
        '--workers',
        workers,
        '--retries',
        '1',
        '--report',
        report,
        '-i',
        list,
      ]);
      assert.equal(r.code, 1, r.stderr);
      const lines = jsonLines(await fs.readFile(report, 'utf8'));
      const got = Object.fromEntries(
        lines.map((l) => [l.path, [l.status, (l.error as { code: string }).code, l.bytes, l.attempts]]),
      );
      assert.deepEqual(
        got,
        {
          'b.bin': ['failed', 'CHECKSUM_MISMATCH', 8192, 2],
          'c.bin': ['failed', 'CHECKSUM_MISMATCH', 300 * 1024, 2],
        },
        `--workers ${workers}`,
      );
    }
  });

  test('--progress plain: a line for each retry, with its reason and delay (was: silence until the failure)', async () => {
    const closed = await startServer(() => {});
    const url = closed.url('/gone.bin');
    await closed.close();
    const r = await runCli(['-d', path.join(work, 'retry'), '--progress', 'plain', '--retries', '2', url]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n');
    const retries = lines.filter((l) => l.startsWith('retry '));
    assert.equal(retries.length, 2, r.stderr);
    for (const [i, line] of retries.entries()) {
      assert.match(line, /^retry {4}CONNECTION_REFUSED {2}\S/);
      assert.ok(line.includes(url), line);
      assert.match(line, new RegExp(`\\(attempt ${i + 1}; again in \\d+(ms|\\.\\ds)\\)$`));
    }
    const failed = lines.findIndex((l) => l.startsWith('failed   CONNECTION_REFUSED'));
    assert.ok(failed > lines.indexOf(retries[1]!), r.stderr);
  });
});
