import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactRedisUrl, redisOptions } from '../../src/cluster/redis-connection.js';
import { InvalidOptionError } from '../../src/errors/index.js';

test('Redis URLs become connection options', () => {
  const table: Array<[string, Record<string, unknown>]> = [
    ['redis://127.0.0.1:6380', { host: '127.0.0.1', port: 6380 }],
    ['redis://cache', { host: 'cache', port: 6379 }],
    ['redis://u:p%40ss@h:1/2', { host: 'h', port: 1, username: 'u', password: 'p@ss', db: 2 }],
    ['rediss://h', { host: 'h', port: 6379, tls: {} }],
    ['unix:///tmp/r.sock', { path: '/tmp/r.sock' }],
    ['unix:///tmp/r.sock?db=3', { path: '/tmp/r.sock', db: 3 }],
  ];
  for (const [url, expected] of table) {
    assert.deepEqual(redisOptions(url), { maxRetriesPerRequest: null, ...expected }, url);
  }
});

test('a URL that is no Redis URL names the option', () => {
  for (const bad of ['localhost:6379', 'http://h', 'unix://', 'redis://h/x', 'redis://h/-1']) {
    assert.throws(
      () => redisOptions(bad, 'redis'),
      (err: unknown) => err instanceof InvalidOptionError && err.key === 'redis',
      bad,
    );
  }
});

test('a password is hidden in messages', () => {
  assert.equal(redactRedisUrl('redis://u:secret@h:1/0'), 'redis://u:***@h:1/0');
  assert.equal(redactRedisUrl('unix:///tmp/r.sock'), 'unix:///tmp/r.sock');
});
