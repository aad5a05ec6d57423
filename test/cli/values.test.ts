import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toConfig, UsageError } from '../../src/cli/config.js';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import type { ParsedFlags } from '../../src/cli/program.js';
import { header, integer, proxy, rate, seconds, size, sizeFrom, split } from '../../src/cli/values.js';

describe('option values', () => {
  test('sizes: plain bytes and K, M, G, T suffixes (powers of 1024)', () => {
    const table: [string, number][] = [
      ['1', 1],
      ['1048576', 1048576],
      ['512K', 512 * 1024],
      ['512k', 512 * 1024],
      ['1M', 1024 ** 2],
      ['1.5M', 1.5 * 1024 ** 2],
      ['2G', 2 * 1024 ** 3],
      ['1T', 1024 ** 4],
      ['4MiB', 4 * 1024 ** 2],
      ['4MB', 4 * 1024 ** 2],
    ];
    for (const [text, bytes] of table) assert.equal(size(text), bytes, text);
    for (const bad of ['', '0', '-1', 'M', '1X', '1 M B', '0.1'])
      assert.throws(() => size(bad), /size in bytes/, bad);
  });

  test('a part size below the least S3 takes names that least', () => {
    const part = sizeFrom(5 * 1024 ** 2, '5M');
    assert.equal(part('5M'), 5 * 1024 ** 2);
    assert.equal(part('64M'), 64 * 1024 ** 2);
    assert.throws(() => part('4M'), /at least 5M/);
    assert.throws(() => part('x'), /size in bytes/);
  });

  test('seconds become whole milliseconds; zero and words are refused', () => {
    assert.equal(seconds('30'), 30_000);
    assert.equal(seconds('2.5'), 2500);
    assert.equal(seconds('.25'), 250);
    assert.equal(seconds('0.0001'), 1);
    for (const bad of ['0', '-1', 'soon', '1s', '']) assert.throws(() => seconds(bad), /seconds/, bad);
  });

  test('integers within their range', () => {
    const concurrency = integer(1, 100);
    assert.equal(concurrency('16'), 16);
    for (const bad of ['0', '101', '1.5', '-3', 'x', ''])
      assert.throws(() => concurrency(bad), /integer/, bad);
    assert.equal(integer(0)('0'), 0);
  });

  test("-x: 'auto' or connections per file within the limit", () => {
    const x = split(1024);
    assert.equal(x('auto'), 'auto');
    assert.equal(x('1'), 1);
    assert.equal(x('16'), 16);
    for (const bad of ['0', '1025', 'max', 'Auto', '', '2.5'])
      assert.throws(() => x(bad), /Expected 'auto' or an integer from 1 to 1024/, bad);
  });

  test('speed limits: bytes per second with K, M suffixes, and 0 for no limit', () => {
    assert.equal(rate('0'), 0);
    assert.equal(rate('100'), 100);
    assert.equal(rate('1K'), 1024);
    assert.equal(rate('2m'), 2 * 1024 ** 2);
    for (const bad of ['', '-1', 'fast', '1X']) assert.throws(() => rate(bad), /bytes per second/, bad);
  });

  test("proxies: a URL, host:port, or 'none'; a malformed one is refused before any run", () => {
    for (const ok of ['none', 'http://proxy:3128', 'https://u:p@proxy', 'proxy:3128'])
      assert.equal(proxy(ok), ok);
    for (const bad of ['http://[bad', 'socks5://proxy:1080', 'http://', ''])
      assert.throws(() => proxy(bad), /proxy URL/, bad);
  });

  test("headers as 'Name: value', as curl takes them", () => {
    assert.deepEqual(header('X-Token: abc: def '), ['X-Token', 'abc: def']);
    assert.deepEqual(header('Empty:'), ['Empty', '']);
    for (const bad of ['no colon', ': value', 'Bad Name: v'])
      assert.throws(() => header(bad), /Name: value/, bad);
  });
});

describe('configuration', () => {
  const flags: ParsedFlags = {
    dir: '.',
    concurrency: 16,
    split: 1,
    minSplitSize: 1 << 20,
    retries: 5,
    timeout: 60_000,
    connectTimeout: 30_000,
    stallTimeout: 60_000,
    speedLimit: 1024,
    speedTime: 60,
    limitRate: 0,
    maxFileRate: 0,
    maxRedirects: 10,
    progress: 'auto',
    hash: true,
    outputFormat: 'files',
    shardItems: 10_000,
    s3PartSize: 8 << 20,
  };
  const tty = { stderrIsTTY: true };

  test('flags map onto the engine options', () => {
    const c = toConfig(
      {
        ...flags,
        perHost: 4,
        header: [
          ['X-A', '1'],
          ['X-A', '2'],
        ],
        keepBoth: true,
        split: 4,
        outputFormat: 'webdataset',
        shardBytes: 1 << 30,
        s3Endpoint: 'http://127.0.0.1:9000',
      },
      ['https://example.com/a'],
      tty,
    );
    assert.deepEqual(c.options, {
      dir: '.',
      concurrency: 16,
      perHost: 4,
      retries: 5,
      timeouts: { connect: 30_000, headers: 60_000, stall: 60_000 },
      lowSpeed: { bytesPerSecond: 1024, seconds: 60 },
      maxRedirects: 10,
      headers: { 'X-A': '2' },
      overwrite: 'rename',
      insecure: false,
      contentDisposition: false,
      hash: true,
      split: 4,
      minSplitSize: 1 << 20,
      output: { format: 'webdataset', shardItems: 10_000, shardBytes: 1 << 30 },
      s3: { endpoint: 'http://127.0.0.1:9000', partSize: 8 << 20 },
    });
  });

  test('--limit-rate, --max-file-rate and --http2 map onto limitRate, maxFileRate and http2', () => {
    const c = toConfig(
      { ...flags, limitRate: 1 << 20, maxFileRate: 256 << 10, http2: true },
      ['https://example.com/a'],
      tty,
    );
    assert.equal(c.options.limitRate, 1 << 20);
    assert.equal(c.options.maxFileRate, 256 << 10);
    assert.equal(c.options.http2, true);
    const none = toConfig(flags, ['https://example.com/a'], tty).options;
    assert.deepEqual([none.limitRate, none.maxFileRate, none.http2], [undefined, undefined, undefined]);
  });

  test('--no-hash turns hashing off; hashing is on by default', () => {
    const hash = (f: Partial<ParsedFlags>) =>
      toConfig({ ...flags, ...f }, ['https://e.com/a'], tty).options.hash;
    assert.equal(hash({}), true);
    assert.equal(hash({ hash: false }), false);
  });

  test('--durable asks for every file to be synced before its rename; off by default', () => {
    const durable = (f: Partial<ParsedFlags>) =>
      toConfig({ ...flags, ...f }, ['https://e.com/a'], tty).options.durable;
    assert.equal(durable({}), undefined);
    assert.equal(durable({ durable: true }), true);
  });

  test('progress: auto is a bar on a terminal and plain lines elsewhere; --quiet is none', () => {
    const mode = (f: Partial<ParsedFlags>, isTTY: boolean) =>
      toConfig({ ...flags, ...f }, ['https://e.com/a'], { stderrIsTTY: isTTY }).progress;
    assert.equal(mode({}, true), 'bar');
    assert.equal(mode({}, false), 'plain');
    assert.equal(mode({ progress: 'plain' }, true), 'plain');
    assert.equal(mode({ progress: 'bar', quiet: true }, true), 'none');
  });

  test('mistakes are usage errors', () => {
    const cases: [Partial<ParsedFlags>, string[]][] = [
      [{}, []],
      [{ out: 'x' }, ['https://e.com/a', 'https://e.com/b']],
      [{ out: 'x', input: ['list.txt'] }, ['https://e.com/a']],
      [{ input: ['-', '-'] }, []],
      [{}, ['example.com/a']],
    ];
    for (const [f, urls] of cases) assert.throws(() => toConfig({ ...flags, ...f }, urls, tty), UsageError);
  });

  test('exit codes: interrupted, then usage or input errors, then failures', () => {
    assert.equal(exitCodeOf({ interrupted: false, usageErrors: 0, failed: 0 }), EXIT.OK);
    assert.equal(exitCodeOf({ interrupted: false, usageErrors: 0, failed: 3 }), EXIT.FAILED);
    assert.equal(exitCodeOf({ interrupted: false, usageErrors: 1, failed: 3 }), EXIT.USAGE);
    assert.equal(exitCodeOf({ interrupted: true, usageErrors: 1, failed: 3 }), EXIT.INTERRUPTED);
  });
});
