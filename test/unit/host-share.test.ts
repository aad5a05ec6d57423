import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostShare } from '../../src/engine/threads/share.js';

test('hostShare: the shares of an origin add up to perHost on every number of loops', () => {
  for (const host of ['http://a', 'https://b:8443', 'http://127.0.0.1:5000']) {
    for (let loops = 1; loops <= 6; loops++) {
      for (const perHost of [1, 2, 3, 7, 8, 12, 13, 16, 64, 100]) {
        const shares = Array.from({ length: loops }, (_, l) => hostShare(perHost, loops, l, host));
        assert.equal(
          shares.reduce((a, b) => a + b, 0),
          perHost,
          `${host} ${perHost} over ${loops}: ${shares.join(',')}`,
        );
        const used = shares.filter((n) => n > 0);
        if (perHost < 4 * loops) assert.equal(used.length, 1, 'a small limit stays on one loop');
        else assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, 'a large one is shared evenly');
      }
    }
  }
});

test('hostShare: origins with a small limit spread over the loops', () => {
  const owners = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const host = `http://host${i}.example`;
    owners.add([0, 1, 2].find((l) => hostShare(2, 3, l, host) > 0)!);
  }
  assert.equal(owners.size, 3);
});
