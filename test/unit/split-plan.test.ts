import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AUTO_SPLIT_MAX,
  planSplit,
  resumePieces,
  splitCap,
  type SplitInput,
  type SplitPlan,
} from '../../src/download/split-plan.js';

const MiB = 1024 * 1024;
/** A large file from a server that serves ranges, nothing idle, not hashed. */
const base: SplitInput = { size: 64 * MiB, ranged: true, cap: 8, minSplitSize: MiB, spare: 0, hashed: false };
const one: SplitPlan = { segmented: false, connections: 1, pieces: 1 };

describe('planSplit', () => {
  const cases: Array<{ name: string; input: Partial<SplitInput>; expected: SplitPlan }> = [
    { name: 'a server without ranges is never split', input: { ranged: false, spare: 7 }, expected: one },
    { name: 'an unknown size is never split', input: { size: undefined, spare: 7 }, expected: one },
    { name: 'split 1 never splits', input: { cap: 1, spare: 7 }, expected: one },
    {
      name: 'a file under twice minSplitSize is one stream',
      input: { size: 2 * MiB - 1, spare: 7 },
      expected: one,
    },
    {
      name: 'with nothing idle, a large file starts on one connection, ready to take more',
      input: {},
      expected: { segmented: true, connections: 1, pieces: 1 },
    },
    {
      name: 'idle connections join up to the cap',
      input: { spare: 3 },
      expected: { segmented: true, connections: 4, pieces: 4 },
    },
    {
      name: 'never more than the cap, however many are idle',
      input: { cap: 4, spare: 30 },
      expected: { segmented: true, connections: 4, pieces: 4 },
    },
    {
      name: 'never more connections than ranges of minSplitSize the file holds',
      input: { size: 3 * MiB, spare: 7 },
      expected: { segmented: true, connections: 3, pieces: 3 },
    },
    {
      name: 'exactly twice minSplitSize is split in two',
      input: { size: 2 * MiB, spare: 7 },
      expected: { segmented: true, connections: 2, pieces: 2 },
    },
    {
      name: 'hashed over several connections: four waves of pieces in file order',
      input: { spare: 1, hashed: true },
      expected: { segmented: true, connections: 2, pieces: 8 },
    },
    {
      name: 'hashed on one connection: one piece, hashed as it arrives',
      input: { hashed: true },
      expected: { segmented: true, connections: 1, pieces: 1 },
    },
    {
      name: 'a negative spare count (more running than the limit) is none',
      input: { spare: -2 },
      expected: { segmented: true, connections: 1, pieces: 1 },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(planSplit({ ...base, ...c.input }), c.expected);
    });
  }
});

describe('splitCap and resumePieces', () => {
  const cases: Array<{ name: string; split: number | 'auto'; hashed: boolean; cap: number; pieces: number }> =
    [
      { name: 'auto', split: 'auto', hashed: false, cap: AUTO_SPLIT_MAX, pieces: AUTO_SPLIT_MAX },
      { name: 'auto, hashed', split: 'auto', hashed: true, cap: AUTO_SPLIT_MAX, pieces: 4 * AUTO_SPLIT_MAX },
      { name: 'a fixed cap', split: 3, hashed: false, cap: 3, pieces: 3 },
      { name: 'one connection, hashed: a stream', split: 1, hashed: true, cap: 1, pieces: 1 },
    ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(splitCap(c.split), c.cap);
      assert.equal(resumePieces(c.split, c.hashed), c.pieces);
    });
  }
});
