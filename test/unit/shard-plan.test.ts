import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dataMemberName,
  indexKey,
  isFull,
  memberExt,
  memberKey,
  shardFiles,
  shardName,
  startsNewShard,
  uniqueKey,
  type ShardFill,
  type ShardLimits,
} from '../../src/storage/shards/shard-plan.js';

describe('shard names', () => {
  const cases: Array<[number, string]> = [
    [0, '000000'],
    [42, '000042'],
    [999999, '999999'],
    [1000000, '1000000'],
  ];
  for (const [n, expected] of cases) {
    test(`shard ${n} is ${expected}`, () => assert.equal(shardName(n), expected));
  }
  test('a shard has its tar, its parquet index and its stats beside one another', () => {
    assert.deepEqual(shardFiles(7), {
      tar: '000007.tar',
      parquet: '000007.parquet',
      stats: '000007_stats.json',
    });
  });
});

describe('memberKey', () => {
  const cases: Array<{ name: string; index: number; key: string | undefined; expected: string }> = [
    { name: 'no key: the index in nine digits', index: 42, key: undefined, expected: '000000042' },
    {
      name: 'an index past nine digits keeps all of them',
      index: 1234567890,
      key: undefined,
      expected: '1234567890',
    },
    { name: 'a plain key is kept', index: 1, key: 'cat-01_b', expected: 'cat-01_b' },
    {
      name: 'a dot would split the key for WebDataset readers',
      index: 1,
      key: 'img.001',
      expected: 'img_001',
    },
    { name: 'a slash would make a folder', index: 1, key: '../etc/passwd', expected: '___etc_passwd' },
    { name: 'an empty key: the index', index: 3, key: '', expected: '000000003' },
    { name: 'nothing but replaced characters: the index', index: 3, key: '...', expected: '000000003' },
    { name: 'a long key is cut', index: 0, key: 'k'.repeat(300), expected: 'k'.repeat(128) },
  ];
  for (const c of cases) test(c.name, () => assert.equal(memberKey(c.index, c.key), c.expected));
  test('indexKey pads to nine digits', () => assert.equal(indexKey(7), '000000007'));
});

describe('uniqueKey', () => {
  const cases: Array<{ name: string; key: string; index: number; used: string[]; expected: string }> = [
    { name: 'an unused key is kept', key: 'a', index: 5, used: ['b'], expected: 'a' },
    { name: 'a used key takes the index', key: 'a', index: 5, used: ['a'], expected: 'a_000000005' },
    {
      name: 'regression: a fallback already used grows until unused',
      key: 'a',
      index: 5,
      used: ['a', 'a_000000005', 'a_000000005_'],
      expected: 'a_000000005__',
    },
  ];
  for (const c of cases)
    test(c.name, () => assert.equal(uniqueKey(c.key, c.index, new Set(c.used)), c.expected));
});

describe('memberExt and dataMemberName', () => {
  const cases: Array<{ name: string; file: string | undefined; type: string | undefined; expected: string }> =
    [
      { name: 'the name extension, lowercased', file: 'a/b/Photo.JPG', type: 'image/png', expected: 'jpg' },
      { name: 'no extension: from the content type', file: 'a/b/photo', type: 'image/jpeg', expected: 'jpg' },
      {
        name: 'content type parameters are ignored',
        file: 'x',
        type: 'text/html; charset=utf-8',
        expected: 'html',
      },
      {
        name: 'an extension too long: from the content type',
        file: 'a.abcdefghijk',
        type: 'image/png',
        expected: 'png',
      },
      {
        name: 'an extension with odd characters is not one',
        file: 'a.tar-gz',
        type: undefined,
        expected: 'bin',
      },
      { name: 'a dot file has no extension', file: '.hidden', type: undefined, expected: 'bin' },
      { name: 'an unknown content type: bin', file: 'x', type: 'x-unknown/thing', expected: 'bin' },
      { name: 'nothing known: bin', file: undefined, type: undefined, expected: 'bin' },
      { name: 'json data keeps json', file: 'data.json', type: undefined, expected: 'json' },
    ];
  for (const c of cases) test(c.name, () => assert.equal(memberExt(c.file, c.type), c.expected));
  test('json data is KEY.data.json, so it never takes the place of KEY.json', () => {
    assert.equal(dataMemberName('k', 'json'), 'k.data.json');
    assert.equal(dataMemberName('k', 'jpg'), 'k.jpg');
  });
});

describe('shard rolling', () => {
  const limits: ShardLimits = { shardItems: 3, shardBytes: 100 };
  const cases: Array<{
    name: string;
    fill: ShardFill;
    next: { ok: boolean; size: number };
    limits?: ShardLimits;
    expected: boolean;
  }> = [
    {
      name: 'room left: the item joins',
      fill: { count: 1, ok: 1, bytes: 10 },
      next: { ok: true, size: 10 },
      expected: false,
    },
    {
      name: 'full by count: a new shard',
      fill: { count: 3, ok: 0, bytes: 0 },
      next: { ok: false, size: 0 },
      expected: true,
    },
    {
      name: 'past the bytes: a new shard',
      fill: { count: 1, ok: 1, bytes: 60 },
      next: { ok: true, size: 41 },
      expected: true,
    },
    {
      name: 'exactly the bytes: still fits',
      fill: { count: 1, ok: 1, bytes: 60 },
      next: { ok: true, size: 40 },
      expected: false,
    },
    {
      name: 'a failure adds no bytes: it joins a shard at its byte limit',
      fill: { count: 1, ok: 1, bytes: 100 },
      next: { ok: false, size: 0 },
      expected: false,
    },
    {
      name: 'the first item with data always fits, after failures too',
      fill: { count: 2, ok: 0, bytes: 0 },
      next: { ok: true, size: 1000 },
      expected: false,
    },
    {
      name: 'no byte limit: only the count rolls',
      fill: { count: 2, ok: 2, bytes: 1e12 },
      next: { ok: true, size: 1e12 },
      limits: { shardItems: 3 },
      expected: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(startsNewShard(c.fill, c.next, c.limits ?? limits), c.expected));
  }
  test('isFull at shardItems indices', () => {
    assert.equal(isFull({ count: 2, ok: 0, bytes: 0 }, limits), false);
    assert.equal(isFull({ count: 3, ok: 0, bytes: 0 }, limits), true);
  });
});
