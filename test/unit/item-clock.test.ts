import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ItemClock } from '../../src/engine/item-clock.js';
import { ExchangeClock, noTimes } from '../../src/transport/exchange-times.js';
import { ReportTotals } from '../../src/cli/report-totals.js';

test('ItemClock: the wait for the first turn is not a retry wait; the waits between attempts are', () => {
  const c = new ItemClock(1000);
  c.resume(1100); // read at 1000, first turn at 1100
  c.pause(1150); // the attempt failed
  c.honoured(300);
  c.resume(1500); // retried 350 ms later
  c.resume(1600); // a second resume while running changes nothing
  const t = c.times(1700);
  assert.deepEqual(t, {
    ms: 250,
    queuedMs: 450,
    startedAt: 1000,
    endedAt: 1700,
    retryWaitMs: 350,
    retryAfterMs: 300,
  });
  assert.equal(t.queuedMs - t.retryWaitMs, 100, 'the wait for its first turn');
});

test('ExchangeClock: a phase is added once, even when the end is told twice; a failure before the head is no body', () => {
  const times = noTimes();
  const a = new ExchangeClock(times);
  a.onSocket();
  a.head();
  a.over();
  a.over();
  a.head();
  assert.ok(times.ttfbMs >= times.waitMs && times.ttfbMs > 0);
  const body = times.bodyMs;
  const b = new ExchangeClock(times);
  b.over(); // failed before a socket carried it: all of it was connecting
  assert.equal(times.bodyMs, body);
  const ttfb = times.ttfbMs;
  const c = new ExchangeClock(times);
  c.onSocket();
  c.over(); // no head: waiting, and the last response's ttfb stays
  assert.equal(times.ttfbMs, ttfb);
  assert.equal(times.bodyMs, body);
});

test("ReportTotals: a merged report's counts and its span from the earliest start to the latest end", () => {
  const totals = new ReportTotals();
  const line = (o: object) => JSON.stringify({ bytes: 0, attempts: 1, startedAt: 0, endedAt: 0, ...o });
  totals.add(line({ status: 'ok', bytes: 10, startedAt: 2000, endedAt: 2500 }));
  totals.add(
    line({ status: 'failed', bytes: 3, startedAt: 1500, endedAt: 1600, error: { code: 'HTTP_404' } }),
  );
  totals.add(line({ status: 'skipped', bytes: 7, startedAt: 1800, endedAt: 3000 }));
  totals.add(line({ status: 'cancelled', attempts: 0, startedAt: 2100, endedAt: 2100 }));
  assert.equal(totals.startedAt, 1500);
  assert.equal(totals.endedAt, 3000);
  assert.deepEqual(totals.summary(), {
    ok: 1,
    skipped: 1,
    failed: 1,
    cancelled: 1,
    notStarted: 1,
    bytes: 17,
    ms: 1500,
    aborted: false,
    failuresByCode: { HTTP_404: 1 },
  });
});
