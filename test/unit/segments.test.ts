import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  mergeRanges,
  missingRanges,
  planSegments,
  SegmentTable,
  type ByteRange,
  type Segment,
} from '../../src/download/segments.js';

describe('mergeRanges', () => {
  const cases: Array<[string, ByteRange[], ByteRange[]]> = [
    ['empty', [], []],
    [
      'drops empty ranges',
      [
        [5, 5],
        [7, 3],
      ],
      [],
    ],
    [
      'sorts',
      [
        [10, 20],
        [0, 5],
      ],
      [
        [0, 5],
        [10, 20],
      ],
    ],
    [
      'joins touching ranges',
      [
        [0, 5],
        [5, 9],
      ],
      [[0, 9]],
    ],
    [
      'joins overlapping ranges',
      [
        [0, 8],
        [3, 5],
        [6, 12],
      ],
      [[0, 12]],
    ],
    [
      'keeps gaps',
      [
        [0, 4],
        [6, 8],
      ],
      [
        [0, 4],
        [6, 8],
      ],
    ],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.deepEqual(mergeRanges(input), expected));
  }
});

describe('missingRanges', () => {
  const cases: Array<[string, ByteRange[], number, ByteRange[]]> = [
    ['nothing done', [], 100, [[0, 100]]],
    ['all done', [[0, 100]], 100, []],
    [
      'a hole in the middle',
      [
        [0, 10],
        [20, 100],
      ],
      100,
      [[10, 20]],
    ],
    [
      'holes at both ends',
      [[10, 90]],
      100,
      [
        [0, 10],
        [90, 100],
      ],
    ],
    [
      'done past the size is ignored',
      [
        [0, 10],
        [50, 500],
      ],
      100,
      [[10, 50]],
    ],
    [
      'unsorted, overlapping done ranges',
      [
        [40, 60],
        [0, 20],
        [10, 45],
      ],
      100,
      [[60, 100]],
    ],
  ];
  for (const [name, done, size, expected] of cases) {
    test(name, () => assert.deepEqual(missingRanges(done, size), expected));
  }
});

describe('planSegments', () => {
  const cases: Array<[string, ByteRange[], number, number, ByteRange[]]> = [
    ['one connection keeps the range whole', [[0, 100]], 1, 10, [[0, 100]]],
    [
      'four equal pieces',
      [[0, 100]],
      4,
      10,
      [
        [0, 25],
        [25, 50],
        [50, 75],
        [75, 100],
      ],
    ],
    [
      'stops where halves would go below the minimum',
      [[0, 100]],
      16,
      20,
      [
        [0, 25],
        [25, 50],
        [50, 75],
        [75, 100],
      ],
    ],
    ['a range under twice the minimum is not split', [[0, 30]], 4, 20, [[0, 30]]],
    [
      'the largest hole is split first',
      [
        [0, 10],
        [50, 150],
      ],
      3,
      10,
      [
        [0, 10],
        [50, 100],
        [100, 150],
      ],
    ],
    [
      'more holes than connections are all kept',
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
      2,
      1,
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    ],
  ];
  for (const [name, missing, conns, min, expected] of cases) {
    test(name, () => assert.deepEqual(planSegments(missing, conns, min), expected));
  }
});

describe('SegmentTable', () => {
  const policy = { minBytes: 10, minMs: 50 };
  /** A table of `pieces` with every piece taken at time 0. */
  const busyTable = (size: number, pieces: ByteRange[]) => {
    const table = new SegmentTable(size, [], pieces, { ...policy });
    const taken = pieces.map(() => table.take(0)!);
    return { table, taken };
  };
  const advance = (s: Segment, bytes: number) => {
    s.pos += bytes;
  };

  test('hands out idle segments in order, then nothing while all are busy and unknown in speed', () => {
    const table = new SegmentTable(
      100,
      [],
      [
        [0, 50],
        [50, 100],
      ],
      { minBytes: 30, minMs: 50 },
    );
    assert.equal(table.take(0)?.start, 0);
    assert.equal(table.take(0)?.start, 50);
    // Both have 50 bytes left: under twice the 30-byte minimum, so neither is split.
    assert.equal(table.take(0), undefined);
  });

  test('with no speed known, the largest range is split in half', () => {
    const { table } = busyTable(1000, [
      [0, 200],
      [200, 1000],
    ]);
    const stolen = table.take(1)!;
    assert.deepEqual([stolen.start, stolen.end], [600, 1000]);
    assert.equal(table.segments[1]!.end, 600);
  });

  test('the range that will finish last is split, not the largest', () => {
    const { table, taken } = busyTable(10_000, [
      [0, 2000],
      [2000, 10_000],
    ]);
    advance(taken[0]!, 100); // 1 byte/ms: 1,900 ms left
    advance(taken[1]!, 7000); // 70 bytes/ms: about 14 ms left for 1,000 bytes
    const stolen = table.take(100)!;
    assert.deepEqual([stolen.start, stolen.end], [1050, 2000]);
    assert.equal(taken[0]!.end, 1050);
  });

  test('a range that ends within the minimum time is left alone', () => {
    const { table, taken } = busyTable(10_000, [
      [0, 5000],
      [5000, 10_000],
    ]);
    advance(taken[0]!, 4000); // 40 bytes/ms, 25 ms left
    advance(taken[1]!, 4000);
    assert.equal(table.take(100), undefined);
  });

  test('a connection that has received nothing yet is assumed to go at the average speed', () => {
    const { table, taken } = busyTable(100_000, [
      [0, 10_000],
      [10_000, 100_000],
    ]);
    advance(taken[0]!, 9000); // 90 bytes/ms; the other has nothing yet: 90,000 bytes / 90 = 1,000 ms
    const stolen = table.take(100)!;
    assert.deepEqual([stolen.start, stolen.end], [55_000, 100_000]);
  });

  test('round trips seen raise the time below which ranges are not split', () => {
    const { table, taken } = busyTable(10_000, [
      [0, 5000],
      [5000, 10_000],
    ]);
    advance(taken[0]!, 2000); // 20 bytes/ms: 150 ms left
    advance(taken[1]!, 4900);
    table.noteRoundTrip(50); // four round trips: 200 ms
    assert.equal(table.take(100), undefined);
    const other = new SegmentTable(
      10_000,
      [],
      [
        [0, 5000],
        [5000, 10_000],
      ],
      { ...policy },
    );
    const [a, b] = [other.take(0)!, other.take(0)!];
    advance(a, 2000);
    advance(b, 4900);
    other.noteRoundTrip(5); // 20 ms: the 150 ms range is worth splitting
    assert.equal(other.take(100)?.start, 3500);
  });

  test('done ranges join earlier runs with what each segment wrote', () => {
    const table = new SegmentTable(
      1000,
      [[0, 100]],
      [
        [100, 500],
        [500, 1000],
      ],
      { ...policy },
    );
    const a = table.take(0)!;
    const b = table.take(0)!;
    advance(a, 50);
    advance(b, 500);
    assert.deepEqual(table.doneRanges(), [
      [0, 150],
      [500, 1000],
    ]);
    assert.equal(table.doneBytes(), 650);
    assert.equal(table.complete(), false);
    advance(a, 350);
    assert.equal(table.complete(), true);
  });

  test('a released unfinished segment is handed out again from where it stopped', () => {
    const table = new SegmentTable(100, [], [[0, 100]], { ...policy });
    const s = table.take(0)!;
    advance(s, 40);
    table.release(s, s.claim);
    const again = table.take(5)!;
    assert.equal(again, s);
    assert.equal(again.pos, 40);
  });

  test('a connection that gave a segment up cannot free it again once another connection took it', () => {
    // Connection B's range breaks and B releases it before waiting to retry; A finishes its own
    // range and takes B's over; B wakes and lets go of its segment again before asking for work.
    const table = new SegmentTable(
      100,
      [],
      [
        [0, 50],
        [50, 100],
      ],
      { minBytes: 30, minMs: 50 },
    );
    const a = table.take(0)!;
    const aClaim = a.claim;
    const b = table.take(0)!;
    const bClaim = b.claim;
    advance(b, 10);
    table.release(b, bClaim); // B's connection dropped
    advance(a, 50);
    table.release(a, aClaim);
    const retried = table.take(5)!; // A takes B's range over
    assert.equal(retried, b);
    const retryClaim = retried.claim;
    assert.notEqual(retryClaim, bClaim);
    table.release(b, bClaim); // B, awake, lets go of a segment it no longer holds
    assert.equal(table.holds(b, retryClaim), true, "A's claim still holds the range");
    assert.equal(table.holds(b, bClaim), false);
    assert.equal(table.take(6), undefined, 'no second connection is given the same range');
    advance(retried, 40);
    table.release(retried, retryClaim);
    assert.equal(table.complete(), true);
  });

  test('a stolen tail gets a claim of its own; the victim keeps the head', () => {
    const { table, taken } = busyTable(1000, [[0, 1000]]);
    const victimClaim = taken[0]!.claim;
    const stolen = table.take(1)!;
    assert.deepEqual([stolen.start, stolen.end, taken[0]!.end], [500, 1000, 500]);
    assert.notEqual(stolen.claim, victimClaim);
    assert.equal(table.holds(taken[0]!, victimClaim), true);
    table.release(stolen, victimClaim);
    assert.equal(table.holds(stolen, stolen.claim), true, "the victim's claim cannot free the stolen tail");
  });
});
