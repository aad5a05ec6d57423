import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DestinationClaims } from '../../src/download/claims.js';

/** Rejects when `p` has not settled within `ms`, so that no test can hang. */
async function within<T>(p: Promise<T>, ms = 1000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `p` is still pending after `ms`. */
async function stillPending(p: Promise<unknown>, ms = 30): Promise<boolean> {
  const marker = Symbol('pending');
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<symbol>((resolve) => {
    timer = setTimeout(() => resolve(marker), ms);
  });
  try {
    return (await Promise.race([p, wait])) === marker;
  } finally {
    clearTimeout(timer);
  }
}

describe('DestinationClaims.uniqueDerived', () => {
  const cases: Array<{ name: string; inputs: string[]; expected: string[] }> = [
    { name: 'a single name is kept', inputs: ['/d/a.txt'], expected: ['/d/a.txt'] },
    {
      name: 'repeats are numbered in order',
      inputs: ['/d/a.txt', '/d/a.txt', '/d/a.txt', '/d/a.txt'],
      expected: ['/d/a.txt', '/d/a.1.txt', '/d/a.2.txt', '/d/a.3.txt'],
    },
    {
      name: 'double extension numbered before it',
      inputs: ['/d/x.tar.gz', '/d/x.tar.gz'],
      expected: ['/d/x.tar.gz', '/d/x.1.tar.gz'],
    },
    { name: 'no extension', inputs: ['/d/README', '/d/README'], expected: ['/d/README', '/d/README.1'] },
    {
      name: 'different folders do not collide',
      inputs: ['/d/a.txt', '/e/a.txt', '/d/a.txt'],
      expected: ['/d/a.txt', '/e/a.txt', '/d/a.1.txt'],
    },
    {
      name: 'a numbered name taken by its own URL is skipped',
      inputs: ['/d/a.1.txt', '/d/a.txt', '/d/a.txt'],
      expected: ['/d/a.1.txt', '/d/a.txt', '/d/a.2.txt'],
    },
    {
      name: 'a later literal name that was already handed out is numbered too',
      inputs: ['/d/a.txt', '/d/a.txt', '/d/a.1.txt'],
      expected: ['/d/a.txt', '/d/a.1.txt', '/d/a.1.1.txt'],
    },
    {
      name: "regression: a name that is another one's .part or state file is numbered",
      inputs: ['/d/v.bin', '/d/v.bin.part', '/d/v.bin.part.state', '/d/v.bin.part.state.tmp'],
      expected: ['/d/v.bin', '/d/v.1.bin.part', '/d/v.1.bin.part.state', '/d/v.1.bin.part.state.tmp'],
    },
    {
      name: "regression: a name whose .part file is another one's destination is numbered",
      inputs: ['/d/v.bin.part', '/d/v.bin', '/d/w.part.state', '/d/w'],
      expected: ['/d/v.bin.part', '/d/v.1.bin', '/d/w.part.state', '/d/w.1'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const claims = new DestinationClaims();
      assert.deepEqual(
        c.inputs.map((p) => claims.uniqueDerived(p)),
        c.expected,
      );
    });
  }

  test('the same source deriving the same name again gets that name; another source gets the next', () => {
    const claims = new DestinationClaims();
    const a = 'http://h/x/a.txt';
    const b = 'http://h/y/a.txt';
    assert.deepEqual(
      [
        claims.uniqueDerived('/d/a.txt', 0, a),
        claims.uniqueDerived('/d/a.txt', 1, b),
        claims.uniqueDerived('/d/a.txt', 2, a),
        claims.uniqueDerived('/d/a.txt', 3, b),
        claims.uniqueDerived('/d/a.txt', 4),
      ],
      ['/d/a.txt', '/d/a.1.txt', '/d/a.txt', '/d/a.1.txt', '/d/a.2.txt'],
    );
  });

  test('each run starts afresh', () => {
    assert.equal(new DestinationClaims().uniqueDerived('/d/a.txt'), '/d/a.txt');
    assert.equal(new DestinationClaims().uniqueDerived('/d/a.txt'), '/d/a.txt');
  });
});

describe('DestinationClaims.hold', { timeout: 5000 }, () => {
  test('a free path is held at once and released', async () => {
    const claims = new DestinationClaims();
    assert.equal(claims.isHeld('/d/a'), false);
    const release = await within(claims.hold('/d/a'));
    assert.equal(claims.isHeld('/d/a'), true);
    release();
    assert.equal(claims.isHeld('/d/a'), false);
  });

  test('a second hold on the same path waits for the release', async () => {
    const claims = new DestinationClaims();
    const release1 = await within(claims.hold('/d/a'));
    const second = claims.hold('/d/a');
    assert.equal(await stillPending(second), true);
    release1();
    const release2 = await within(second);
    assert.equal(claims.isHeld('/d/a'), true);
    release2();
    assert.equal(claims.isHeld('/d/a'), false);
  });

  test('different paths do not wait for each other', async () => {
    const claims = new DestinationClaims();
    const releaseA = await within(claims.hold('/d/a'));
    const releaseB = await within(claims.hold('/d/b'));
    assert.equal(claims.isHeld('/d/a'), true);
    assert.equal(claims.isHeld('/d/b'), true);
    releaseA();
    releaseB();
  });

  test('many waiters are served one at a time, all eventually', async () => {
    const claims = new DestinationClaims();
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    const worker = async (i: number) => {
      const release = await claims.hold('/d/a');
      inside++;
      most = Math.max(most, inside);
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      inside--;
      release();
    };
    await within(Promise.all([0, 1, 2, 3, 4].map(worker)), 2000);
    assert.equal(most, 1);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
    assert.equal(claims.isHeld('/d/a'), false);
  });

  test('calling a stale release again does not free the next holder', async () => {
    const claims = new DestinationClaims();
    const release1 = await within(claims.hold('/d/a'));
    release1();
    const release2 = await within(claims.hold('/d/a'));
    release1();
    assert.equal(claims.isHeld('/d/a'), true);
    const third = claims.hold('/d/a');
    assert.equal(await stillPending(third), true);
    release2();
    (await within(third))();
    assert.equal(claims.isHeld('/d/a'), false);
  });
});
