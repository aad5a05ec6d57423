import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncQueue } from '../../src/engine/result-queue.js';

test('items pushed before and after a read arrive in order; close ends the iteration', async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  assert.deepEqual(await q.next(), { value: 1, done: false });
  const waiting = q.next();
  q.push(2);
  assert.deepEqual(await waiting, { value: 2, done: false });
  q.push(3);
  q.close();
  assert.deepEqual(await q.next(), { value: 3, done: false });
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

test('close(error) answers a waiting read with the error', async () => {
  const q = new AsyncQueue<number>();
  const read = q.next();
  const boom = new Error('boom');
  q.close({ reason: boom });
  await assert.rejects(read, boom);
  assert.deepEqual(await q.next(), { value: undefined, done: true }, 'thrown once');
});

test('close(error) lets the items already pushed be read first', async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  const boom = new Error('boom');
  q.close({ reason: boom });
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const n of q) seen.push(n);
  }, boom);
  assert.deepEqual(seen, [1]);
});

test('leaving a for-await loop calls onReturn once and waits for it; later pushes are dropped', async () => {
  let returned = 0;
  let release!: () => void;
  const stopped = new Promise<void>((resolve) => (release = resolve));
  const q = new AsyncQueue<number>({
    onReturn: async () => {
      returned++;
      await stopped;
    },
  });
  q.push(1);
  q.push(2);
  let left = false;
  const loop = (async () => {
    for await (const n of q) {
      assert.equal(n, 1);
      break;
    }
    left = true;
  })();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(returned, 1);
  assert.equal(left, false, 'the loop waits for the producer to stop');
  release();
  await loop;
  q.push(3);
  assert.equal(q.size, 0);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
  await q.return();
  assert.equal(returned, 1);
});
