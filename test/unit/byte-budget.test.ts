import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grantSize, GrantedBytes } from '../../src/engine/threads/rate-grants.js';
import { TokenBucket, type BucketTime } from '../../src/transport/byte-budget.js';

/** A clock that moves only when told; sleeps never resolve (charge is what is tested). */
function frozen(at = 0): BucketTime & { at: number } {
  return {
    at,
    now() {
      return this.at;
    },
    sleep: () => new Promise(() => {}),
  };
}

describe('TokenBucket', () => {
  type Row = { name: string; rate: number; steps: Array<{ now: number; take: number; waitMs: number }> };
  // rate 1000 B/s: a burst of 50 bytes, one byte per millisecond.
  const rows: Row[] = [
    {
      name: 'a full burst at the start goes at once; the byte after it waits its time',
      rate: 1000,
      steps: [
        { now: 0, take: 50, waitMs: 0 },
        { now: 0, take: 10, waitMs: 10 },
        { now: 10, take: 0, waitMs: 0 },
      ],
    },
    {
      name: 'a chunk larger than the burst is taken whole: debt, paid at the rate',
      rate: 1000,
      steps: [{ now: 0, take: 1050, waitMs: 1000 }],
    },
    {
      name: 'bodies taking while others wait wait longer, in the order they took',
      rate: 1000,
      steps: [
        { now: 0, take: 100, waitMs: 50 },
        { now: 0, take: 100, waitMs: 150 },
        { now: 50, take: 100, waitMs: 200 },
      ],
    },
    {
      name: 'an idle bucket fills up to its burst, no more (a pause is not saved up)',
      rate: 1000,
      steps: [
        { now: 0, take: 50, waitMs: 0 },
        { now: 60_000, take: 100, waitMs: 50 },
      ],
    },
    {
      name: 'a clock going back changes nothing',
      rate: 1000,
      steps: [
        { now: 100, take: 50, waitMs: 0 },
        { now: 50, take: 10, waitMs: 10 },
      ],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const clock = frozen();
      const bucket = new TokenBucket(row.rate, clock);
      row.steps.forEach((s, i) => {
        assert.equal(bucket.charge(s.take, s.now), s.waitMs, `step ${i}`);
      });
    });
  }

  test('a rate that is not positive is refused', () => {
    for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => new TokenBucket(bad), RangeError);
  });

  test('bodies reading whole chunks, each waiting what it is told, average the rate over 10 s', () => {
    // A simulation on the bucket's own clock: each body takes a chunk, waits, takes the next.
    const MiB = 1024 * 1024;
    for (const { rate, bodies, chunk } of [
      { rate: MiB, bodies: 4, chunk: 64 * 1024 },
      { rate: MiB, bodies: 16, chunk: 16 * 1024 },
      { rate: 100 * MiB, bodies: 8, chunk: 64 * 1024 },
    ]) {
      const clock = frozen();
      const bucket = new TokenBucket(rate, clock);
      const next = Array.from({ length: bodies }, () => 0);
      let taken = 0;
      for (let steps = 0; steps < 1_000_000; steps++) {
        const i = next.indexOf(Math.min(...next));
        if (next[i]! >= 10_000) break;
        clock.at = next[i]!;
        taken += chunk;
        next[i] = clock.at + Math.ceil(bucket.charge(chunk, clock.at));
      }
      const average = taken / 10 / rate;
      assert.ok(Math.abs(average - 1) < 0.05, `${bodies} bodies at ${rate} B/s: ${average}`);
    }
  });
});

describe('GrantedBytes', () => {
  test('asks before it runs out, waits when overdrawn, and an overdraft is covered by the next grant', async () => {
    const rate = 5 * 1024 * 1024;
    const batch = grantSize(rate);
    assert.equal(batch, Math.round(rate / 50));
    const asked: number[] = [];
    const g = new GrantedBytes(rate, (n) => asked.push(n));

    // Nothing granted yet: the first chunk overdraws and waits; one ask covers it and a batch.
    const first = g.take(1000);
    assert.ok(first instanceof Promise);
    assert.deepEqual(asked, [batch + 1000]);
    // A second chunk while the ask is out asks nothing more, and waits too.
    const second = g.take(500);
    assert.ok(second instanceof Promise);
    assert.deepEqual(asked, [batch + 1000]);
    let gone = 0;
    void first.then(() => gone++);
    void second.then(() => gone++);

    g.granted(batch + 1000);
    await Promise.resolve();
    assert.equal(gone, 2, 'both go on once the grant covers them');
    // The reserve is now batch - 500: above half a batch, so no ask yet.
    assert.deepEqual(asked, [batch + 1000]);
    assert.equal(g.take(batch / 2 - 500), undefined);
    assert.equal(g.take(1), undefined, 'still within the reserve');
    assert.deepEqual(asked, [batch + 1000, batch / 2 + 1], 'below half a batch: tops up to one batch');
  });

  test('a small rate still asks at least 16 KiB at once', () => {
    assert.equal(grantSize(1000), 16 * 1024);
  });
});
