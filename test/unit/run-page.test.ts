import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from '../helpers/fs.js';
import { describe, test } from 'node:test';
import { RunAggregator, SAMPLE, SLOWEST } from '../../src/render/html/aggregator.js';
import { inlineJson, inlineScript, runPageHtml } from '../../src/render/html/page.js';
import { readReport, runFileOf, runInfoOf } from '../../src/render/html/read-report.js';
import { redacted } from '../../src/render/html/redact.js';
import { quantile, Reservoir, TopN } from '../../src/render/html/reservoir.js';

/** A deterministic generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const N = 100_000;
const T0 = 1_800_000_000_000;

/** A report of N items over 3 hosts and 4 workers, with failures, and every field of the newest report. */
function* generated(random: () => number) {
  for (let i = 0; i < N; i++) {
    const host = ['a.test', 'b.test:8080', 'c.test'][i % 3]!;
    const failed = i % 17 === 0;
    const code = failed ? (i % 2 === 0 ? 'HTTP_404' : 'CONNECT_TIMEOUT') : '';
    const startedAt = T0 + i * 2;
    const queuedMs = Math.floor(random() * 50);
    const ms = 5 + Math.floor(random() * 200) + (i === 4242 ? 60_000 : 0);
    yield {
      url: `https://${host}/f/${i}`,
      path: `f/${i}`,
      status: failed ? 'failed' : i % 101 === 0 ? 'skipped' : 'ok',
      bytes: failed ? 0 : 1000 + (i % 1000),
      sha256: '',
      attempts: 1 + (i % 5 === 0 ? 1 : 0),
      ms,
      queuedMs,
      error: { code, message: failed ? `failed ${i}` : '' },
      startedAt,
      endedAt: startedAt + queuedMs + ms,
      connectMs: 1,
      waitMs: 2,
      bodyMs: Math.floor(ms / 2),
      retryWaitMs: 0,
      ttfbMs: 3 + (i % 100),
      retryAfterMs: i % 5 === 0 ? 10 : 0,
      worker: `w${i % 4}`,
    };
  }
}

describe('RunAggregator', () => {
  test('100,000 records: counts, bytes, hosts, failure groups, timeline and bars as the records say', () => {
    const aggregator = new RunAggregator(seeded(7));
    const want = { ok: 0, skipped: 0, failed: 0, bytes: 0, requests: 0, codes: {} as Record<string, number> };
    let slowest = 0;
    let lastEnd = 0;
    for (const r of generated(seeded(1))) {
      aggregator.add(r);
      if (r.status === 'ok') want.ok++;
      if (r.status === 'skipped') want.skipped++;
      if (r.status === 'failed') {
        want.failed++;
        want.codes[r.error.code] = (want.codes[r.error.code] ?? 0) + 1;
      }
      want.bytes += r.bytes;
      want.requests += r.attempts;
      slowest = Math.max(slowest, r.ms + r.queuedMs);
      lastEnd = Math.max(lastEnd, r.endedAt);
    }
    const v = aggregator.view({ version: '9.9.9' }, 0);
    assert.deepEqual(v.totals, {
      items: N,
      ok: want.ok,
      skipped: want.skipped,
      failed: want.failed,
      cancelled: 0,
      bytes: want.bytes,
      requests: want.requests,
      retries: want.requests - N,
      saveFailed: want.failed,
    });
    assert.equal(v.hasTimes, true);
    assert.equal(v.hasPhases, true);
    assert.equal(v.firstAt, T0);
    assert.equal(v.lastAt, lastEnd);

    assert.deepEqual(Object.fromEntries(v.failures.map((g) => [g.code, g.count])), want.codes);
    for (const g of v.failures) assert.ok(g.examples.length >= 1 && g.examples.length <= 3);

    assert.deepEqual(v.hosts.map((h) => h.host).sort(), ['a.test', 'b.test:8080', 'c.test']);
    assert.equal(
      v.hosts.reduce((s, h) => s + h.bytes, 0),
      want.bytes,
    );
    assert.equal(
      v.hosts.reduce((s, h) => s + h.items, 0),
      N,
    );
    const a = v.hosts.find((h) => h.host === 'a.test')!;
    // ttfb is 3 + i % 100 and host a has i % 3 === 0: p50 near 52, p95 near 97.
    assert.ok(Math.abs(a.ttfbP50 - 52) <= 5, `p50 ${a.ttfbP50}`);
    assert.ok(Math.abs(a.ttfbP95 - 97) <= 3, `p95 ${a.ttfbP95}`);
    assert.ok(a.retryAfterMs > 0);

    const tl = v.timeline;
    assert.ok(tl.x.length > 0 && tl.x.length <= 600, `${tl.x.length} buckets`);
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    const bytesDrawn = (sum(tl.bytesPerSec) * tl.width) / 1000;
    assert.ok(Math.abs(bytesDrawn - want.bytes) <= tl.x.length, `${bytesDrawn} bytes in the timeline`);
    assert.ok(Math.abs((sum(tl.filesPerSec) * tl.width) / 1000 - N) < 1);
    assert.deepEqual(tl.workers, ['w0', 'w1', 'w2', 'w3']);
    const workerBytes = (sum(tl.workerBytesPerSec.flat()) * tl.width) / 1000;
    assert.ok(Math.abs(workerBytes - want.bytes) <= 4 * tl.x.length);
    assert.ok(Math.max(...tl.active) > 0);

    assert.equal(v.slowest.length, SLOWEST);
    assert.equal(v.slowest[0]!.total, slowest);
    assert.equal(v.slowest[0]!.url, 'https://a.test/f/4242');
    assert.equal(v.sample.length, SAMPLE);
    const view = JSON.stringify(v);
    assert.ok(view.length < 200_000, `the view is ${view.length} characters`);
  });

  test('an older report (no times, no phases): counts still, no timeline, bars of durations', () => {
    const aggregator = new RunAggregator(seeded(3));
    aggregator.add({
      url: 'http://h/1',
      status: 'ok',
      bytes: 10,
      attempts: 1,
      ms: 5,
      queuedMs: 1,
      error: { code: '', message: '' },
    });
    aggregator.add({
      url: 'http://h/2',
      status: 'failed',
      bytes: 0,
      attempts: 3,
      ms: 9,
      queuedMs: 0,
      error: { code: 'HTTP_500', message: 'x' },
    });
    aggregator.add({ url: 'not a url', status: 'cancelled', attempts: 0 });
    const v = aggregator.view();
    assert.equal(v.hasTimes, false);
    assert.equal(v.timeline.x.length, 0);
    assert.equal(v.totals.items, 3);
    assert.equal(v.totals.cancelled, 1);
    assert.deepEqual(v.failures, [
      { code: 'HTTP_500', count: 1, examples: [{ url: 'http://h/2', message: 'x' }] },
    ]);
    assert.deepEqual(
      v.slowest.map((b) => [b.url, b.start, b.other]),
      [
        ['http://h/2', -1, 9],
        ['http://h/1', -1, 5],
      ],
    );
  });
});

describe('the page', () => {
  test('data that holds </script> and <!-- stays inside its script element', async () => {
    const aggregator = new RunAggregator();
    const evil = 'http://h/</script><script>alert(1)</script><!--';
    aggregator.add({
      url: evil,
      status: 'failed',
      attempts: 1,
      error: { code: 'HTTP_404', message: '</SCRIPT>' },
    });
    const html = await runPageHtml(aggregator.view());
    assert.equal(html.match(/<\/script>/gi)?.length, 3, 'only the three script elements end');
    assert.ok(!html.includes('<!--'));
    assert.equal(JSON.parse(inlineJson(evil)), evil);
    assert.equal(inlineScript('a = "</script>"'), 'a = "<\\/script>"');
  });

  test('secrets are not shown: passwords, headers, --user, URLs with a password', () => {
    const shown = redacted({
      argv: ['-u', 'me:pw', '--header=Authorization: x', '--proxy', 'http://p:q@proxy', 'https://a:b@host/x'],
      options: {
        user: { username: 'me', password: 'pw' },
        headers: [['cookie', 'c']],
        timeouts: { headers: 5 },
      },
    });
    // The argv is masked as the run-info file masks it (one redactArgv for both).
    assert.deepEqual(shown, {
      argv: [
        '-u',
        'me:***',
        '--header=Authorization: ***',
        '--proxy',
        'http://p:***@proxy',
        'https://a:***@host/x',
      ],
      options: { user: { username: 'me', password: '***' }, headers: '***', timeouts: { headers: 5 } },
    });
    const text = JSON.stringify(shown);
    for (const secret of ['pw', ': x', ':q@', ':b@', '"c"'])
      assert.ok(!text.includes(secret), `${secret} is shown`);
  });

  test('readReport: gzipped by content, lines that are not objects counted and skipped', async () => {
    const work = await tempDir();
    const file = path.join(work, 'r.jsonl'); // gzipped though not named .gz
    await fs.writeFile(file, gzipSync('{"url":"http://h/1"}\n\nnot json\n[1]\r\n{"url":"http://h/2"}\n'));
    const bad: number[] = [];
    const records: object[] = [];
    for await (const r of readReport(file, (n) => bad.push(n))) records.push(r);
    assert.deepEqual(records, [{ url: 'http://h/1' }, { url: 'http://h/2' }]);
    assert.deepEqual(bad, [3, 4]);
    await fs.rm(work, { recursive: true });
  });

  test('the run file beside a report', () => {
    assert.equal(runFileOf('r.jsonl'), 'r.run.json');
    assert.equal(runFileOf('/x/r.jsonl.gz'), '/x/r.run.json');
    assert.equal(runFileOf('report'), 'report.run.json');
    assert.deepEqual(runInfoOf({ version: '1', argv: 'x', options: [], startedAt: 5, summary: { ok: 1 } }), {
      version: '1',
      startedAt: 5,
      summary: { ok: 1 },
    });
    assert.deepEqual(runInfoOf(null), {});
  });
});

describe('bounded samples', () => {
  test('Reservoir keeps at most its size; TopN the largest; quantile by nearest rank', () => {
    const r = new Reservoir<number>(10, seeded(5));
    for (let i = 0; i < 1000; i++) r.add(i);
    assert.equal(r.items.length, 10);
    assert.equal(r.seen, 1000);
    const top = new TopN<number>(3, (x) => x);
    for (const x of [5, 1, 9, 7, 3, 8]) top.add(x);
    assert.deepEqual(top.sorted(), [9, 8, 7]);
    assert.equal(quantile([], 0.5), 0);
    assert.equal(quantile([4, 1, 3, 2], 0.5), 2);
    assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 10);
  });
});
