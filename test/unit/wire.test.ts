import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import type { DownloadItem, DownloadResult } from '../../src/download/item.js';
import { resultFromWire, resultToWire, type ToWorker } from '../../src/engine/threads/wire.js';
import { ChecksumMismatchError } from '../../src/errors/index.js';

test('an item crosses to a worker thread with its key and fields unchanged', async () => {
  const item: DownloadItem = {
    url: 'http://a/1',
    mirrors: ['http://m/1'],
    path: 'p/1.jpg',
    headers: { 'x-a': '1' },
    key: 'shard/000001',
    fields: {
      ...(JSON.parse('{"__proto__":"p"}') as Record<string, string>),
      caption: 'a cat',
      width: 640,
      nsfw: false,
      none: null,
      meta: '{"tags":["a"]}',
    },
  };
  const { port1, port2 } = new MessageChannel();
  try {
    const message: ToWorker = { type: 'prepare', call: 1, index: 0, item };
    const received = once(port2, 'message');
    port1.postMessage(message);
    const [got] = (await received) as [ToWorker];
    assert.deepEqual(got, message);
    assert.ok(got.type === 'prepare');
    assert.deepEqual(Object.keys(got.item.fields ?? {}), [
      '__proto__',
      'caption',
      'width',
      'nsfw',
      'none',
      'meta',
    ]);
  } finally {
    port1.close();
    port2.close();
  }
});

test('a result crosses back from a worker thread with every field, the time it waited included', async () => {
  const item: DownloadItem = { url: 'http://a/1', sha256: '0'.repeat(64) };
  const result: DownloadResult = {
    index: 3,
    url: item.url,
    path: '/dl/1',
    status: 'failed',
    bytes: 8192,
    sha256: undefined,
    attempts: 2,
    ms: 40,
    queuedMs: 1200,
    startedAt: 1_700_000_000_000,
    endedAt: 1_700_000_001_240,
    connectMs: 3,
    waitMs: 12,
    bodyMs: 20,
    retryWaitMs: 1000,
    ttfbMs: 9,
    retryAfterMs: 1000,
    item,
    error: new ChecksumMismatchError(item.sha256!, '1'.repeat(64), item.url),
  };
  const { port1, port2 } = new MessageChannel();
  try {
    const received = once(port2, 'message');
    port1.postMessage(resultToWire(result));
    const [wire] = (await received) as [ReturnType<typeof resultToWire>];
    const back = resultFromWire(wire, item);
    assert.deepEqual({ ...back, error: undefined }, { ...result, error: undefined });
    assert.equal(back.error?.code, 'CHECKSUM_MISMATCH');
  } finally {
    port1.close();
    port2.close();
  }
});
