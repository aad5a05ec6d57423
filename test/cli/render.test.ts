import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParafetchError, type DownloadResult, type RunStats } from '../../src/index.js';
import { ActiveDownloads } from '../../src/render/active.js';
import { formatBytes, formatCount, formatDuration } from '../../src/render/format.js';
import { truncate, truncateStart } from '../../src/render/width.js';
import { resultLine } from '../../src/render/plain.js';
import { RateMeter } from '../../src/render/rate.js';
import { reportRecord } from '../../src/render/report.js';
import { barLine, etaMs, statusLine, totalOf } from '../../src/render/status.js';
import { FailureSamples, summaryLines } from '../../src/render/summary.js';

const stats = (s: Partial<RunStats> = {}): RunStats => ({
  ok: 0,
  skipped: 0,
  failed: 0,
  cancelled: 0,
  active: 0,
  queued: 0,
  inputDone: false,
  expected: undefined,
  bytes: 0,
  sizes: {
    complete: 0,
    completeBytes: 0,
    endedBytes: 0,
    sized: 0,
    sizedTotal: 0,
    sizedBytes: 0,
    unsized: 0,
    unsizedBytes: 0,
  },
  startedAt: 0,
  ...s,
});

const result = (r: Partial<DownloadResult>): DownloadResult =>
  ({
    index: 0,
    url: 'https://h/a.bin',
    path: '/dl/sub/a.bin',
    status: 'ok',
    bytes: 1536,
    sha256: 'ab'.repeat(32),
    attempts: 1,
    ms: 420,
    queuedMs: 30,
    startedAt: 1_700_000_000_000,
    endedAt: 1_700_000_000_450,
    connectMs: 2.4,
    waitMs: 10.6,
    bodyMs: 400,
    retryWaitMs: 0,
    ttfbMs: 13,
    retryAfterMs: 0,
    item: { url: 'https://h/a.bin' },
    ...r,
  }) as DownloadResult;

describe('render: formatting', () => {
  test('bytes, durations, counts, truncation', () => {
    const bytes: [number, string][] = [
      [0, '0 B'],
      [1023, '1023 B'],
      [1536, '1.5 KiB'],
      [10 * 1024 ** 2, '10.0 MiB'],
      [300 * 1024 ** 3, '300 GiB'],
    ];
    for (const [n, text] of bytes) assert.equal(formatBytes(n), text);
    const durations: [number, string][] = [
      [850, '850ms'],
      [12_400, '12.4s'],
      [185_000, '3m05s'],
      [7_620_000, '2h07m'],
    ];
    for (const [ms, text] of durations) assert.equal(formatDuration(ms), text);
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncateStart('dir/file.bin', 8), '…ile.bin');
    assert.equal(truncate('abc', 3), 'abc');
  });

  test('the total and ETA appear only once the input is fully read', () => {
    const reading = {
      stats: stats({ ok: 10, active: 4, queued: 100 }),
      elapsedMs: 5000,
      bytesPerSecond: 1024,
      itemsPerSecond: 2,
    };
    assert.equal(totalOf(reading.stats), undefined);
    assert.equal(etaMs(reading), undefined);
    assert.match(statusLine(reading), /^\[5\.0s\] 10 files done \(ok 10, .*queued 100\+\) 0 B, 1\.0 KiB\/s$/);
    assert.match(barLine(reading), /^\[·{24}\] \.\.\.% {2}0 B {2}1\.0 KiB\/s {2}ETA --$/);

    const known = { ...reading, stats: { ...reading.stats, inputDone: true } };
    assert.equal(totalOf(known.stats), 114);
    assert.equal(etaMs(known), 52_000);
    assert.match(statusLine(known), /10\/114 files .*ETA 52\.0s$/);
    assert.match(barLine(known), /^\[█{2}░{22}\] {3}8% {2}0 B {2}1\.0 KiB\/s {2}ETA 52\.0s$/);
  });

  test('one plain line per result', () => {
    assert.equal(resultLine(result({}), '/dl'), 'ok         1.5 KiB  sub/a.bin  420ms');
    assert.equal(resultLine(result({ status: 'skipped' }), '/dl'), 'skipped    1.5 KiB  sub/a.bin  exists');
    const error = new ParafetchError('HTTP_404', 'server answered 404 for https://h/a.bin');
    assert.equal(
      resultLine(result({ status: 'failed', error, sha256: undefined }), '/dl'),
      'failed   HTTP_404  server answered 404 for https://h/a.bin',
    );
    const disk = new ParafetchError('DISK_ERROR', 'no space left');
    assert.equal(
      resultLine(result({ status: 'failed', error: disk }), '/dl'),
      'failed   DISK_ERROR  https://h/a.bin  no space left',
    );
  });

  test('report records keep every key with one type: an empty string when absent, never null', () => {
    assert.deepEqual(reportRecord(result({ path: undefined, sha256: undefined }), '/dl'), {
      url: 'https://h/a.bin',
      path: '',
      status: 'ok',
      bytes: 1536,
      sha256: '',
      attempts: 1,
      ms: 420,
      queuedMs: 30,
      startedAt: 1_700_000_000_000,
      endedAt: 1_700_000_000_450,
      connectMs: 2,
      waitMs: 11,
      bodyMs: 400,
      retryWaitMs: 0,
      ttfbMs: 13,
      retryAfterMs: 0,
      worker: '',
      error: { code: '', message: '' },
    });
  });

  test('the summary groups failures by code, most frequent first, with a few URLs each', () => {
    const samples = new FailureSamples(2);
    const fail = (code: string, url: string) =>
      samples.add(result({ url, status: 'failed', error: new ParafetchError(code as 'HTTP_404', 'x') }));
    fail('HTTP_404', 'https://h/1');
    fail('HTTP_404', 'https://h/2');
    fail('HTTP_404', 'https://h/3');
    fail('CONNECT_TIMEOUT', 'https://t/1');
    const lines = summaryLines(
      {
        summary: {
          ok: 5,
          skipped: 1,
          failed: 4,
          cancelled: 0,
          notStarted: 0,
          bytes: 2048,
          ms: 2000,
          aborted: false,
          failuresByCode: { CONNECT_TIMEOUT: 1, HTTP_404: 3 },
        },
        inputErrors: 1,
        interrupted: false,
      },
      samples,
    );
    assert.deepEqual(lines, [
      'Done: 5 ok, 1 skipped, 4 failed; 2.0 KiB in 2.0s (1.0 KiB/s)',
      '  HTTP_404 ×3  https://h/1  https://h/2  ...',
      '  CONNECT_TIMEOUT ×1  https://t/1',
      '  1 input error (reported above)',
    ]);
  });

  test('after an interrupt, items never started are not failures: counted apart as interrupted and not started', () => {
    const lines = summaryLines(
      {
        summary: {
          ok: 3,
          skipped: 0,
          failed: 1,
          cancelled: 256,
          notStarted: 240,
          bytes: 1024,
          ms: 1000,
          aborted: true,
          failuresByCode: { HTTP_404: 1 },
        },
        inputErrors: 0,
        interrupted: true,
      },
      new FailureSamples(),
    );
    assert.equal(
      lines[0],
      'Stopped: 3 ok, 0 skipped, 1 failed, 16 interrupted, 240 not started; 1.0 KiB in 1.0s (1.0 KiB/s)',
    );
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[1]!, /^ {2}HTTP_404 ×1 /);
    assert.match(lines[2]!, /^Interrupted\./);
    assert.match(
      statusLine({
        stats: stats({ ok: 3, cancelled: 256 }),
        elapsedMs: 0,
        bytesPerSecond: 0,
        itemsPerSecond: 0,
      }),
      /ok 3, skipped 0, failed 0, cancelled 256, active 0/,
    );
  });

  test('the rate meter measures over its window; the slowest downloads are those with the lowest rate', () => {
    const meter = new RateMeter(1000);
    meter.sample(0, 0);
    assert.equal(meter.sample(500, 500), 1000);
    // From the last sample at or before the window's start, so a slow tick still yields a rate.
    assert.equal(meter.sample(2000, 1000), 500 / 1.5);
    assert.equal(meter.sample(2500, 1500), 500);
    assert.equal(meter.sample(3500, 2500), 1000);

    const active = new ActiveDownloads();
    for (let i = 0; i < 5; i++) active.start({ index: i, url: `u${i}` }, 0);
    for (let i = 0; i < 5; i++)
      active.progress({ index: i, url: `u${i}`, path: `/p${i}`, bytes: (i + 1) * 100, total: 1000 });
    active.end(0);
    active.start({ index: 9, url: 'new' }, 1900);
    assert.deepEqual(
      active.slowest(2, 2000).map((a) => a.index),
      [1, 2],
      'the one that just started is not judged yet',
    );
  });
});
