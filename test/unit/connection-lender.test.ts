import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionLender } from '../../src/engine/connection-lender.js';
import { HostGate } from '../../src/engine/host-gate.js';

const A = 'http://a.test';
const B = 'http://b.test';

/** A lender over a run of `concurrency` with `running` downloads, `perHost` each origin. */
function lender(o: { concurrency: number; perHost: number; running: number; waiting?: string[] }) {
  const gate = new HostGate(o.perHost);
  let changed = 0;
  const l = new ConnectionLender({
    concurrency: o.concurrency,
    gate,
    running: () => o.running,
    waiting: (may) => (o.waiting ?? []).some(may),
    changed: () => changed++,
  });
  return { l, gate, changed: () => changed };
}

describe('ConnectionLender', () => {
  test('lends what -j leaves idle, never more', () => {
    const { l } = lender({ concurrency: 8, perHost: 8, running: 3 });
    assert.equal(l.spare(A), 5);
    assert.equal(l.borrow(A, 3), 3);
    assert.equal(l.borrow(B, 9), 2);
    assert.equal(l.spare(A), 0);
    assert.equal(l.lent, 5);
  });

  test('a borrowed connection enters its origin like a download: perHost holds', () => {
    const { l, gate } = lender({ concurrency: 8, perHost: 3, running: 1 });
    gate.enter(A); // the running download's own connection
    assert.equal(l.spare(A), 2);
    assert.equal(l.borrow(A, 8), 2);
    assert.equal(gate.canStart(A, 0), false, 'a new download of the origin waits');
    assert.equal(l.spare(B), 3, 'another origin has its own perHost');
  });

  test('a paused origin borrows nothing', () => {
    const { l, gate } = lender({ concurrency: 8, perHost: 8, running: 1 });
    gate.pause(A, Date.now() + 60_000);
    assert.equal(l.spare(A), 0);
    assert.equal(l.borrow(A, 1), 0);
  });

  test('giving back frees the slot and the origin, and tells the run', () => {
    const { l, gate, changed } = lender({ concurrency: 2, perHost: 2, running: 1 });
    gate.enter(A);
    assert.equal(l.borrow(A, 1), 1);
    assert.equal(gate.room(A, 0), 0);
    l.giveBack(A, 1);
    assert.equal(l.lent, 0);
    assert.equal(gate.room(A, 0), 1);
    assert.equal(changed(), 1);
  });

  const wanted: Array<{ name: string; waiting: string[]; lendTo: string; expected: boolean }> = [
    { name: 'nothing waits: keep them', waiting: [], lendTo: A, expected: false },
    {
      name: 'a download of another origin with room waits: give back',
      waiting: [B],
      lendTo: A,
      expected: true,
    },
    {
      name: 'a download of the origin they are lent to waits: give back',
      waiting: [A],
      lendTo: A,
      expected: true,
    },
  ];
  for (const c of wanted) {
    test(`wanted: ${c.name}`, () => {
      const { l } = lender({ concurrency: 2, perHost: 1, running: 1, waiting: c.waiting });
      assert.equal(l.wanted(), false, 'nothing lent: nothing wanted back');
      assert.equal(l.borrow(c.lendTo, 1), 1);
      assert.equal(l.wanted(), c.expected);
    });
  }

  test('offers idle connections to borrowers in turn, on a later microtask', async () => {
    const { l } = lender({ concurrency: 5, perHost: 5, running: 2 });
    const took: string[] = [];
    l.onSpare(() => void (l.borrow(A, 1) && took.push('first')));
    const off = l.onSpare(() => void (l.borrow(B, 1) && took.push('second')));
    l.offer();
    assert.deepEqual(took, [], 'never inside the call that freed them');
    await Promise.resolve();
    assert.deepEqual(took, ['first', 'second', 'first']);
    off();
  });
});
