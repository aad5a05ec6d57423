import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionError, type RunSizes, type RunStats } from '../../src/index.js';
import { etaOf, progressOf, totalOf } from '../../src/render/estimate.js';
import { retryLine } from '../../src/render/plain.js';
import { barLine, bytesText, countsText, statusLine, type StatusView } from '../../src/render/status.js';
import { truncate, truncateStart, widthOf, wrap } from '../../src/render/width.js';

const MiB = 1024 * 1024;

const NO_SIZES: RunSizes = {
  complete: 0,
  completeBytes: 0,
  endedBytes: 0,
  sized: 0,
  sizedTotal: 0,
  sizedBytes: 0,
  unsized: 0,
  unsizedBytes: 0,
};

function stats(s: Partial<Omit<RunStats, 'sizes'>> & { sizes?: Partial<RunSizes> } = {}): RunStats {
  return {
    ok: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    active: 0,
    queued: 0,
    inputDone: true,
    expected: undefined,
    bytes: 0,
    startedAt: 0,
    ...s,
    sizes: { ...NO_SIZES, ...s.sizes },
  };
}

const view = (s: RunStats, bytesPerSecond: number, itemsPerSecond = 0): StatusView => ({
  stats: s,
  elapsedMs: 1000,
  bytesPerSecond,
  itemsPerSecond,
});

describe('progress: percent and ETA from bytes where sizes are known, from files where not', () => {
  const rows: {
    name: string;
    view: StatusView;
    percent: number | undefined;
    etaMs: number | undefined;
    bytes: string;
  }[] = [
    {
      name: 'one 100 MiB download showed 0% 0/1 files ETA -- all along: its Content-Length tells',
      view: view(
        stats({ active: 1, sizes: { sized: 1, sizedTotal: 100 * MiB, sizedBytes: 31 * MiB } }),
        8 * MiB,
      ),
      percent: 31,
      etaMs: (69 / 8) * 1000,
      bytes: '31.0 MiB/100 MiB',
    },
    {
      name: 'a mixed list at 99% said ETA 7ms with 22 MiB left at 2.4 MiB/s',
      view: view(
        stats({
          ok: 99,
          active: 1,
          sizes: {
            complete: 99,
            completeBytes: 99 * 1024,
            sized: 1,
            sizedTotal: 30 * MiB,
            sizedBytes: 8 * MiB,
          },
        }),
        2.4 * MiB,
        140,
      ),
      percent: 26,
      etaMs: (22 / 2.4) * 1000,
      bytes: '8.1 MiB/30.1 MiB',
    },
    {
      name: 'a resume said ETA 25ms with 3 s left: the bytes already on disk are done, not to come',
      view: view(
        stats({ active: 1, sizes: { sized: 1, sizedTotal: 100 * MiB, sizedBytes: 97 * MiB } }),
        MiB,
        40,
      ),
      percent: 97,
      etaMs: 3000,
      bytes: '97.0 MiB/100 MiB',
    },
    {
      name: 'items of unknown size are counted at the average of the known ones (an estimate, marked ~)',
      view: view(stats({ ok: 2, queued: 8, sizes: { complete: 2, completeBytes: 20 * MiB } }), 10 * MiB, 1),
      percent: 20,
      etaMs: 8000,
      bytes: '20.0 MiB/~100 MiB',
    },
    {
      name: 'a running item of unknown size counts at least what it holds',
      view: view(
        stats({
          ok: 1,
          active: 1,
          sizes: { complete: 1, completeBytes: MiB, unsized: 1, unsizedBytes: 3 * MiB },
        }),
        MiB,
      ),
      percent: 99,
      etaMs: undefined,
      bytes: '4.0 MiB/~4.0 MiB',
    },
    {
      name: 'no size known yet: files',
      view: view(stats({ ok: 1, failed: 1, queued: 2, active: 0 }), 0, 0.5),
      percent: 50,
      etaMs: 4000,
      bytes: '0 B',
    },
    {
      name: 'no total known (the input is still being read, uncounted): nothing is guessed',
      view: view(
        stats({ inputDone: false, ok: 1, queued: 256, sizes: { complete: 1, completeBytes: MiB } }),
        MiB,
        1,
      ),
      percent: undefined,
      etaMs: undefined,
      bytes: '1.0 MiB',
    },
    {
      name: 'a counted input gives the total before it is read to its end',
      view: view(
        stats({
          inputDone: false,
          expected: 2000,
          ok: 100,
          queued: 256,
          sizes: { complete: 100, completeBytes: 100 },
        }),
        100,
        100,
      ),
      percent: 5,
      etaMs: 19_000,
      bytes: '100 B/~2.0 KiB',
    },
    {
      name: 'everything done: 100%, ETA 0',
      view: view(stats({ ok: 3, sizes: { complete: 3, completeBytes: 3 * MiB } }), 0),
      percent: 100,
      etaMs: 0,
      bytes: '3.0 MiB/3.0 MiB',
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const p = progressOf(row.view.stats);
      assert.equal(p.fraction === undefined ? undefined : Math.floor(p.fraction * 100), row.percent);
      const eta = etaOf(p, row.view.stats, row.view.bytesPerSecond, row.view.itemsPerSecond);
      if (row.etaMs === undefined) assert.equal(eta, undefined);
      else assert.ok(eta !== undefined && Math.abs(eta - row.etaMs) < 1, `ETA ${eta}, expected ${row.etaMs}`);
      assert.equal(bytesText(p), row.bytes);
    });
  }

  test('the bar line says the percent, bytes of the total, rate and ETA', () => {
    const line = barLine(rows[0]!.view, 100);
    assert.match(line, /^\[█{7}░{17}\] {2}31% {2}31\.0 MiB\/100 MiB {2}8\.0 MiB\/s {2}ETA 8\.6s$/);
    assert.match(
      statusLine(rows[0]!.view),
      /0\/1 files .* 31\.0 MiB\/100 MiB \(31%\), 8\.0 MiB\/s, ETA 8\.6s$/,
    );
  });

  test('a counted input: the total is known, and queued counts what is not read yet (no +)', () => {
    const s = stats({ inputDone: false, expected: 2000, ok: 100, active: 4, queued: 256 });
    assert.equal(totalOf(s), 2000);
    assert.match(countsText(s), /active 4 {2}queued 1,896$/);
    assert.match(countsText({ ...s, expected: undefined }), /queued 256\+$/);
  });
});

describe('width: lines fit the terminal in columns', () => {
  test('wide characters take two columns; cuts and wraps never pass the width', () => {
    assert.equal(widthOf('abc'), 3);
    assert.equal(widthOf('データ.bin'), 10);
    assert.equal(widthOf('e\u0301'), 1, 'a combining mark takes no column');
    assert.equal(truncate('データ/ファイル.bin', 8), 'データ/…');
    assert.equal(truncateStart('データ/ファイル.bin', 9), '…イル.bin');
    for (const width of [5, 8, 9, 20]) {
      assert.ok(widthOf(truncate('データ/ファイル.bin', width)) <= width);
      assert.ok(widthOf(truncateStart('データ/ファイル.bin', width)) <= width);
    }
    const rows = wrap(`failed   HTTP_404  server answered 404 for https://h/${'d'.repeat(80)}/データ`, 30);
    assert.ok(
      rows.every((r) => widthOf(r) <= 30),
      rows.join('\n'),
    );
    assert.equal(
      rows.join(''),
      `failed   HTTP_404  server answered 404 for https://h/${'d'.repeat(80)}/データ`,
    );
  });

  test('the bar line fits a narrow terminal: a narrower bar, then none', () => {
    const v = view(
      stats({ active: 1, sizes: { sized: 1, sizedTotal: 100 * MiB, sizedBytes: 31 * MiB } }),
      8 * MiB,
    );
    for (const width of [100, 59, 50, 45, 40]) {
      const line = barLine(v, width);
      assert.ok(widthOf(line) <= width || !line.startsWith('['), `${width}: ${line}`);
      assert.match(line, /31% {2}31\.0 MiB\/100 MiB {2}8\.0 MiB\/s {2}ETA 8\.6s$/);
    }
    assert.match(barLine(v, 59), /^\[█+░+\] /);
    assert.doesNotMatch(barLine(v, 45), /\[/);
  });
});

describe('plain: retry lines', () => {
  test('a retry says why and when', () => {
    const error = new ConnectionError('CONNECTION_REFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(
      retryLine({ index: 0, url: 'http://127.0.0.1:1/x', attempt: 2, delayMs: 1500, error }),
      'retry    CONNECTION_REFUSED  http://127.0.0.1:1/x  connect ECONNREFUSED 127.0.0.1:1  (attempt 2; again in 1.5s)',
    );
  });
});
