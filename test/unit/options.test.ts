import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { InvalidOptionError } from '../../src/errors/index.js';
import {
  type DownloadOptions,
  type NormalizedOptions,
  normalizeOptions,
  VERSION,
} from '../../src/engine/options.js';
import { normalizeHeaders } from '../../src/download/rules.js';
import { resolveProxies } from '../../src/transport/proxy-settings.js';

const DEFAULTS: NormalizedOptions = {
  dir: process.cwd(),
  remote: undefined,
  output: { format: 'files', shardItems: 10_000, shardBytes: undefined, part: undefined },
  s3: { endpoint: undefined, region: undefined, forcePathStyle: undefined, partSize: 8 * 1024 * 1024 },
  concurrency: 16,
  perHost: 16,
  retries: 5,
  backoff: { baseMs: 500, maxMs: 30_000, factor: 2, jitter: true },
  maxRetryAfterMs: 300_000,
  timeouts: { connect: 30_000, headers: 60_000, stall: 60_000 },
  maxRedirects: 10,
  headers: {},
  userAgent: `parafetch/${VERSION}`,
  overwrite: 'skip',
  continue: false,
  contentDisposition: false,
  insecure: false,
  ca: undefined,
  proxy: 'env',
  // Whatever this machine's environment says: the default reads HTTP(S)_PROXY and NO_PROXY.
  proxies: resolveProxies('env'),
  lowSpeed: { bytesPerSecond: 1024, seconds: 60 },
  hash: true,
  durable: false,
  signal: undefined,
  progressIntervalMs: 250,
  split: 'auto',
  minSplitSize: 1024 * 1024,
  checkpointMs: 1000,
  workers: Math.max(1, os.availableParallelism() - 1),
  auth: undefined,
  netrc: undefined,
  cookies: undefined,
  limitRate: 0,
  maxFileRate: 0,
  http2: false,
};

describe('normalizeOptions: defaults', () => {
  const cases: Array<{ name: string; input: DownloadOptions | undefined }> = [
    { name: 'no argument', input: undefined },
    { name: 'empty object', input: {} },
    {
      name: 'every key explicitly undefined',
      input: { concurrency: undefined, backoff: undefined, dir: undefined },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(normalizeOptions(c.input), DEFAULTS);
    });
  }
});

describe('normalizeOptions: accepted values', () => {
  const signal = new AbortController().signal;
  const pem = Buffer.from('-----BEGIN CERTIFICATE-----');
  const cases: Array<{ name: string; input: DownloadOptions; expected: Partial<NormalizedOptions> }> = [
    {
      name: 'relative dir is resolved against cwd',
      input: { dir: 'out/files' },
      expected: { dir: path.resolve('out/files') },
    },
    { name: 'absolute dir is normalised', input: { dir: '/tmp/a/../b/' }, expected: { dir: '/tmp/b' } },
    {
      name: 'an s3:// dir is object storage, the local folder stays the working one',
      input: { dir: 's3://bucket/some/prefix' },
      expected: { dir: process.cwd(), remote: 's3://bucket/some/prefix' },
    },
    {
      name: 'webdataset shards by items and bytes',
      input: { output: { format: 'webdataset', shardItems: 500, shardBytes: 1_000_000 } },
      expected: { output: { format: 'webdataset', shardItems: 500, shardBytes: 1_000_000, part: undefined } },
    },
    {
      name: 'one part of a run over many machines',
      input: { output: { format: 'webdataset', part: { shard: 7, index: 7000 } } },
      expected: {
        output: {
          format: 'webdataset',
          shardItems: 10_000,
          shardBytes: undefined,
          part: { shard: 7, index: 7000 },
        },
      },
    },
    {
      name: 's3 endpoint, region, path style and part size',
      input: {
        s3: {
          endpoint: 'http://127.0.0.1:9000',
          region: 'eu-west-1',
          forcePathStyle: false,
          partSize: 6 * 2 ** 20,
        },
      },
      expected: {
        s3: {
          endpoint: 'http://127.0.0.1:9000',
          region: 'eu-west-1',
          forcePathStyle: false,
          partSize: 6 * 2 ** 20,
        },
      },
    },
    {
      name: 'perHost defaults to concurrency',
      input: { concurrency: 4 },
      expected: { concurrency: 4, perHost: 4 },
    },
    {
      name: 'explicit perHost',
      input: { concurrency: 4, perHost: 2 },
      expected: { concurrency: 4, perHost: 2 },
    },
    {
      name: 'perHost above concurrency is kept',
      input: { concurrency: 2, perHost: 8 },
      expected: { perHost: 8 },
    },
    { name: 'concurrency upper bound', input: { concurrency: 65_536 }, expected: { concurrency: 65_536 } },
    { name: 'retries 0', input: { retries: 0 }, expected: { retries: 0 } },
    { name: 'maxRedirects 0', input: { maxRedirects: 0 }, expected: { maxRedirects: 0 } },
    { name: 'maxRetryAfterMs 0', input: { maxRetryAfterMs: 0 }, expected: { maxRetryAfterMs: 0 } },
    { name: 'progressIntervalMs 0', input: { progressIntervalMs: 0 }, expected: { progressIntervalMs: 0 } },
    {
      name: 'partial backoff keeps the other defaults',
      input: { backoff: { baseMs: 10, jitter: false } },
      expected: { backoff: { baseMs: 10, maxMs: 30_000, factor: 2, jitter: false } },
    },
    {
      name: 'fractional backoff values',
      input: { backoff: { baseMs: 0.5, factor: 1.5 } },
      expected: { backoff: { baseMs: 0.5, maxMs: 30_000, factor: 1.5, jitter: true } },
    },
    {
      name: 'partial timeouts keep the other defaults',
      input: { timeouts: { stall: 5 } },
      expected: { timeouts: { connect: 30_000, headers: 60_000, stall: 5 } },
    },
    {
      name: 'header names are lower-cased',
      input: { headers: { 'X-Token': 'abc', Accept: '*/*' } },
      expected: { headers: { 'x-token': 'abc', accept: '*/*' } },
    },
    { name: 'custom userAgent', input: { userAgent: 'me/1.0' }, expected: { userAgent: 'me/1.0' } },
    { name: 'overwrite rename', input: { overwrite: 'rename' }, expected: { overwrite: 'rename' } },
    { name: 'overwrite overwrite', input: { overwrite: 'overwrite' }, expected: { overwrite: 'overwrite' } },
    { name: 'single ca string becomes a list', input: { ca: 'PEM' }, expected: { ca: ['PEM'] } },
    { name: 'ca list of string and Buffer', input: { ca: ['PEM', pem] }, expected: { ca: ['PEM', pem] } },
    { name: 'proxy none', input: { proxy: 'none' }, expected: { proxy: 'none' } },
    {
      name: 'proxy URL',
      input: { proxy: 'http://proxy:3128' },
      expected: {
        proxy: 'http://proxy:3128',
        proxies: { http: 'http://proxy:3128/', https: 'http://proxy:3128/', noProxy: '' },
      },
    },
    {
      name: 'proxy host:port is an http proxy, as curl takes it',
      input: { proxy: 'proxy:3128' },
      expected: { proxies: { http: 'http://proxy:3128/', https: 'http://proxy:3128/', noProxy: '' } },
    },
    {
      name: 'proxy none reads no environment',
      input: { proxy: 'none' },
      expected: { proxies: { http: undefined, https: undefined, noProxy: '' } },
    },
    {
      name: 'lowSpeed set',
      input: { lowSpeed: { bytesPerSecond: 100, seconds: 5 } },
      expected: { lowSpeed: { bytesPerSecond: 100, seconds: 5 } },
    },
    {
      name: 'lowSpeed 0 bytes/s disables it',
      input: { lowSpeed: { bytesPerSecond: 0 } },
      expected: { lowSpeed: { bytesPerSecond: 0, seconds: 60 } },
    },
    {
      name: 'proxy https URL, any case',
      input: { proxy: 'HTTPS://proxy' },
      expected: { proxy: 'HTTPS://proxy' },
    },
    {
      name: 'booleans flipped',
      input: { insecure: true, hash: false, contentDisposition: true, durable: true },
      expected: { insecure: true, hash: false, contentDisposition: true, durable: true },
    },
    { name: 'signal is passed through', input: { signal }, expected: { signal } },
    {
      name: 'split and its limits',
      input: { split: 8, minSplitSize: 1, checkpointMs: 10 },
      expected: { split: 8, minSplitSize: 1, checkpointMs: 10 },
    },
    {
      name: "split 'auto'",
      input: { split: 'auto' },
      expected: { split: 'auto' },
    },
    {
      name: 'rate limits of the run and of each file, and HTTP/2',
      input: { limitRate: 1_048_576, maxFileRate: 65_536, http2: true },
      expected: { limitRate: 1_048_576, maxFileRate: 65_536, http2: true },
    },
    { name: 'rate limits 0 are none', input: { limitRate: 0, maxFileRate: 0 }, expected: { limitRate: 0 } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = normalizeOptions(c.input);
      for (const [key, value] of Object.entries(c.expected)) {
        assert.deepEqual(out[key as keyof NormalizedOptions], value, key);
      }
      assert.ok(path.isAbsolute(out.dir));
    });
  }
});

describe('normalizeOptions: rejected values name the key and the value', () => {
  const cases: Array<{ name: string; input: unknown; key: string; message: string }> = [
    {
      name: 'concurrency 0',
      input: { concurrency: 0 },
      key: 'concurrency',
      message: 'Expected `concurrency` to be an integer from 1 to 65536, got `0` (number)',
    },
    {
      name: 'an output format that does not exist',
      input: { output: { format: 'zip' } },
      key: 'output.format',
      message: "Expected `output.format` to be one of 'files', 'webdataset', got `\"zip\"` (string)",
    },
    {
      name: 'shardItems 0',
      input: { output: { shardItems: 0 } },
      key: 'output.shardItems',
      message: 'Expected `output.shardItems` to be an integer from 1 and up, got `0` (number)',
    },
    {
      name: 'a part of loose files',
      input: { output: { part: { shard: 1, index: 10 } } },
      key: 'output.part',
      message:
        'Expected `output.part` to be no part for an output.format other than \'webdataset\', got `{"shard":1,"index":10}` (object)',
    },
    {
      name: 'a part with a byte limit',
      input: { output: { format: 'webdataset', shardBytes: 100, part: { shard: 1, index: 10 } } },
      key: 'output.shardBytes',
      message:
        'Expected `output.shardBytes` to be no byte limit for a part: it is one shard, got `100` (number)',
    },
    {
      name: 'a part without its index',
      input: { output: { format: 'webdataset', part: { shard: 1 } } },
      key: 'output.part',
      message:
        'Expected `output.part` to be { shard, index }, both integers from 0 and up, got `{"shard":1}` (object)',
    },
    {
      name: 'a part size under the 5 MiB S3 allows',
      input: { s3: { partSize: 1024 } },
      key: 's3.partSize',
      message: 'Expected `s3.partSize` to be an integer from 5242880 and up, got `1024` (number)',
    },
    {
      name: 'an endpoint that is no URL',
      input: { s3: { endpoint: 'not a url' } },
      key: 's3.endpoint',
      message: 'Expected `s3.endpoint` to be a URL such as http://127.0.0.1:9000, got `"not a url"` (string)',
    },
    {
      name: 'concurrency fractional',
      input: { concurrency: 1.5 },
      key: 'concurrency',
      message: 'Expected `concurrency` to be an integer from 1 to 65536, got `1.5` (number)',
    },
    {
      name: 'concurrency as a string',
      input: { concurrency: '4' },
      key: 'concurrency',
      message: 'Expected `concurrency` to be an integer from 1 to 65536, got `"4"` (string)',
    },
    {
      name: 'concurrency NaN',
      input: { concurrency: NaN },
      key: 'concurrency',
      message: 'Expected `concurrency` to be an integer from 1 to 65536, got `NaN` (number)',
    },
    {
      name: 'concurrency too large',
      input: { concurrency: 65_537 },
      key: 'concurrency',
      message: 'Expected `concurrency` to be an integer from 1 to 65536, got `65537` (number)',
    },
    {
      name: 'a negative rate limit',
      input: { limitRate: -1 },
      key: 'limitRate',
      message: 'Expected `limitRate` to be an integer from 0 and up, got `-1` (number)',
    },
    {
      name: 'a rate limit as a string',
      input: { maxFileRate: '1M' },
      key: 'maxFileRate',
      message: 'Expected `maxFileRate` to be an integer from 0 and up, got `"1M"` (string)',
    },
    {
      name: 'http2 as a string',
      input: { http2: 'yes' },
      key: 'http2',
      message: 'Expected `http2` to be a boolean, got `"yes"` (string)',
    },
    {
      name: 'perHost 0',
      input: { perHost: 0 },
      key: 'perHost',
      message: 'Expected `perHost` to be an integer from 1 to 65536, got `0` (number)',
    },
    {
      name: 'retries negative',
      input: { retries: -1 },
      key: 'retries',
      message: 'Expected `retries` to be an integer from 0 to 1000, got `-1` (number)',
    },
    {
      name: 'retries too many',
      input: { retries: 1001 },
      key: 'retries',
      message: 'Expected `retries` to be an integer from 0 to 1000, got `1001` (number)',
    },
    {
      name: 'maxRetryAfterMs negative',
      input: { maxRetryAfterMs: -1 },
      key: 'maxRetryAfterMs',
      message: 'Expected `maxRetryAfterMs` to be an integer from 0 and up, got `-1` (number)',
    },
    {
      name: 'maxRedirects fractional',
      input: { maxRedirects: 2.5 },
      key: 'maxRedirects',
      message: 'Expected `maxRedirects` to be an integer from 0 to 1000, got `2.5` (number)',
    },
    {
      name: 'progressIntervalMs null',
      input: { progressIntervalMs: null },
      key: 'progressIntervalMs',
      message: 'Expected `progressIntervalMs` to be an integer from 0 and up, got `null`',
    },
    {
      name: 'split 0',
      input: { split: 0 },
      key: 'split',
      message: "Expected `split` to be 'auto' or an integer from 1 to 1024, got `0` (number)",
    },
    {
      name: 'split too large',
      input: { split: 1025 },
      key: 'split',
      message: "Expected `split` to be 'auto' or an integer from 1 to 1024, got `1025` (number)",
    },
    {
      name: 'split another word',
      input: { split: 'max' },
      key: 'split',
      message: 'Expected `split` to be \'auto\' or an integer from 1 to 1024, got `"max"` (string)',
    },
    {
      name: 'minSplitSize 0',
      input: { minSplitSize: 0 },
      key: 'minSplitSize',
      message: 'Expected `minSplitSize` to be an integer from 1 and up, got `0` (number)',
    },
    {
      name: 'checkpointMs below 10',
      input: { checkpointMs: 9 },
      key: 'checkpointMs',
      message: 'Expected `checkpointMs` to be an integer from 10 and up, got `9` (number)',
    },
    {
      name: 'timeouts not an object',
      input: { timeouts: 5 },
      key: 'timeouts',
      message: 'Expected `timeouts` to be an object, got `5` (number)',
    },
    {
      name: 'timeouts.connect 0',
      input: { timeouts: { connect: 0 } },
      key: 'timeouts.connect',
      message: 'Expected `timeouts.connect` to be an integer from 1 and up, got `0` (number)',
    },
    {
      name: 'timeouts.headers fractional',
      input: { timeouts: { headers: 1.5 } },
      key: 'timeouts.headers',
      message: 'Expected `timeouts.headers` to be an integer from 1 and up, got `1.5` (number)',
    },
    {
      name: 'timeouts.stall as a string',
      input: { timeouts: { stall: '10s' } },
      key: 'timeouts.stall',
      message: 'Expected `timeouts.stall` to be an integer from 1 and up, got `"10s"` (string)',
    },
    {
      name: 'backoff an array',
      input: { backoff: [] },
      key: 'backoff',
      message: 'Expected `backoff` to be an object, got `[]` (array)',
    },
    {
      name: 'backoff null',
      input: { backoff: null },
      key: 'backoff',
      message: 'Expected `backoff` to be an object, got `null`',
    },
    {
      name: 'backoff.baseMs negative',
      input: { backoff: { baseMs: -1 } },
      key: 'backoff.baseMs',
      message: 'Expected `backoff.baseMs` to be a finite number from 0 and up, got `-1` (number)',
    },
    {
      name: 'backoff.maxMs Infinity',
      input: { backoff: { maxMs: Infinity } },
      key: 'backoff.maxMs',
      message: 'Expected `backoff.maxMs` to be a finite number from 0 and up, got `Infinity` (number)',
    },
    {
      name: 'backoff.factor below 1',
      input: { backoff: { factor: 0.5 } },
      key: 'backoff.factor',
      message: 'Expected `backoff.factor` to be a finite number from 1 and up, got `0.5` (number)',
    },
    {
      name: 'backoff.jitter as a string',
      input: { backoff: { jitter: 'yes' } },
      key: 'backoff.jitter',
      message: 'Expected `backoff.jitter` to be a boolean, got `"yes"` (string)',
    },
    {
      name: 'dir empty',
      input: { dir: '' },
      key: 'dir',
      message: 'Expected `dir` to be a non-empty string, got `""` (string)',
    },
    {
      name: 'dir a number',
      input: { dir: 7 },
      key: 'dir',
      message: 'Expected `dir` to be a non-empty string, got `7` (number)',
    },
    {
      name: 'overwrite unknown policy',
      input: { overwrite: 'replace' },
      key: 'overwrite',
      message: "Expected `overwrite` to be one of 'skip', 'overwrite', 'rename', got `\"replace\"` (string)",
    },
    {
      name: 'userAgent with a line break',
      input: { userAgent: 'a\r\nX-Evil: 1' },
      key: 'userAgent',
      message:
        'Expected `userAgent` to be a string without line breaks or NUL, got `"a\\r\\nX-Evil: 1"` (string)',
    },
    {
      name: 'userAgent not a string',
      input: { userAgent: 5 },
      key: 'userAgent',
      message: 'Expected `userAgent` to be a string without line breaks or NUL, got `5` (number)',
    },
    {
      name: 'ca a number',
      input: { ca: 5 },
      key: 'ca',
      message: 'Expected `ca` to be a PEM string or Buffer, or an array of them, got `5` (number)',
    },
    {
      name: 'ca list with a number',
      input: { ca: ['PEM', 5] },
      key: 'ca',
      message: 'Expected `ca` to be a PEM string or Buffer, or an array of them, got `["PEM",5]` (array)',
    },
    {
      name: 'proxy with an unsupported scheme',
      input: { proxy: 'socks5://proxy:1080' },
      key: 'proxy',
      message:
        "Expected `proxy` to be 'env', 'none' or an http(s):// proxy URL, got `\"socks5://proxy:1080\"` (string)",
    },
    {
      name: 'a malformed proxy URL is rejected here, not inside the run',
      input: { proxy: 'http://[bad' },
      key: 'proxy',
      message:
        "Expected `proxy` to be 'env', 'none' or an http(s):// proxy URL, got `\"http://[bad\"` (string)",
    },
    {
      name: 'a malformed proxy URL is shown without its credentials',
      input: { proxy: 'http://me:secret@[bad' },
      key: 'proxy',
      message:
        "Expected `proxy` to be 'env', 'none' or an http(s):// proxy URL, got `\"http://***@[bad\"` (string)",
    },
    {
      name: 'lowSpeed bytesPerSecond negative',
      input: { lowSpeed: { bytesPerSecond: -1 } },
      key: 'lowSpeed.bytesPerSecond',
      message: 'Expected `lowSpeed.bytesPerSecond` to be an integer from 0 and up, got `-1` (number)',
    },
    {
      name: 'lowSpeed seconds 0',
      input: { lowSpeed: { seconds: 0 } },
      key: 'lowSpeed.seconds',
      message: 'Expected `lowSpeed.seconds` to be an integer from 1 to 86400, got `0` (number)',
    },
    {
      name: 'lowSpeed unknown key',
      input: { lowSpeed: { bytes: 5 } },
      key: 'lowSpeed.bytes',
      message: 'Unknown option `lowSpeed.bytes`; known options: bytesPerSecond, seconds',
    },
    {
      name: 'proxy a boolean',
      input: { proxy: true },
      key: 'proxy',
      message: "Expected `proxy` to be 'env', 'none' or an http(s):// proxy URL, got `true` (boolean)",
    },
    {
      name: 'signal a plain object',
      input: { signal: {} },
      key: 'signal',
      message: 'Expected `signal` to be an AbortSignal, got `{}` (object)',
    },
    {
      name: 'contentDisposition a number',
      input: { contentDisposition: 1 },
      key: 'contentDisposition',
      message: 'Expected `contentDisposition` to be a boolean, got `1` (number)',
    },
    {
      name: 'insecure the string "true"',
      input: { insecure: 'true' },
      key: 'insecure',
      message: 'Expected `insecure` to be a boolean, got `"true"` (string)',
    },
    {
      name: 'hash null',
      input: { hash: null },
      key: 'hash',
      message: 'Expected `hash` to be a boolean, got `null`',
    },
    {
      name: 'durable the number 1',
      input: { durable: 1 },
      key: 'durable',
      message: 'Expected `durable` to be a boolean, got `1` (number)',
    },
    {
      name: 'headers a string',
      input: { headers: 'x-a: 1' },
      key: 'headers',
      message: 'Expected `headers` to be an object of header names to string values, got `"x-a: 1"` (string)',
    },
    {
      name: 'header name with a space',
      input: { headers: { 'bad name': 'v' } },
      key: 'headers',
      message: 'Expected `headers` to be header names made of token characters, got `"bad name"` (string)',
    },
    {
      name: 'header value with a newline',
      input: { headers: { 'X-A': 'a\nb' } },
      key: 'headers.X-A',
      message: 'Expected `headers.X-A` to be a string without line breaks, got `"a\\nb"` (string)',
    },
    {
      name: 'header value not a string',
      input: { headers: { 'X-A': 5 } },
      key: 'headers.X-A',
      message: 'Expected `headers.X-A` to be a string without line breaks, got `5` (number)',
    },
    {
      name: 'options null',
      input: null,
      key: 'options',
      message: 'Expected `options` to be an object, got `null`',
    },
    {
      name: 'options a string',
      input: 'fast',
      key: 'options',
      message: 'Expected `options` to be an object, got `"fast"` (string)',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(
        () => normalizeOptions(c.input as DownloadOptions),
        (err: unknown) => {
          assert.ok(err instanceof InvalidOptionError, `not an InvalidOptionError: ${String(err)}`);
          assert.equal(err.code, 'INVALID_OPTION');
          assert.equal(err.key, c.key);
          assert.equal(err.message, c.message);
          return true;
        },
      );
    });
  }
});

describe('normalizeOptions: unknown keys', () => {
  const cases: Array<{ name: string; input: unknown; key: string; mentions: RegExp }> = [
    {
      name: 'unknown top-level key',
      input: { concurency: 4 },
      key: 'concurency',
      mentions: /known options: dir, concurrency/,
    },
    {
      name: 'unknown top-level key next to valid ones',
      input: { retries: 1, outputs: 'x' },
      key: 'outputs',
      mentions: /known options: dir, concurrency/,
    },
    {
      name: 'unknown key in timeouts',
      input: { timeouts: { foo: 1 } },
      key: 'timeouts.foo',
      mentions: /known options: connect, headers, stall/,
    },
    {
      name: 'unknown key in backoff',
      input: { backoff: { jitterMs: 1 } },
      key: 'backoff.jitterMs',
      mentions: /known options: baseMs, maxMs, factor, jitter/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(
        () => normalizeOptions(c.input as DownloadOptions),
        (err: unknown) => {
          assert.ok(err instanceof InvalidOptionError);
          assert.equal(err.code, 'INVALID_OPTION');
          assert.equal(err.key, c.key);
          assert.ok(err.message.includes(`\`${c.key}\``), err.message);
          assert.match(err.message, c.mentions);
          assert.match(err.message, /^Unknown option/);
          return true;
        },
      );
    });
  }
});

describe('normalizeHeaders', () => {
  const ok: Array<{ name: string; input: unknown; expected: Record<string, string> }> = [
    { name: 'undefined gives no headers', input: undefined, expected: {} },
    { name: 'empty object', input: {}, expected: {} },
    {
      name: 'names lower-cased, values kept',
      input: { 'X-Mixed-Case': 'Value ÄÖ' },
      expected: { 'x-mixed-case': 'Value ÄÖ' },
    },
    {
      name: 'every token character is allowed',
      input: { "!#$%&'*+-.^_`|~09azAZ": 'v' },
      expected: { "!#$%&'*+-.^_`|~09azaz": 'v' },
    },
    { name: 'empty value is allowed', input: { 'X-Empty': '' }, expected: { 'x-empty': '' } },
  ];
  for (const c of ok) {
    test(c.name, () => {
      assert.deepEqual(normalizeHeaders('item.headers', c.input), c.expected);
    });
  }

  const bad: Array<{ name: string; input: unknown; key: string; value: string }> = [
    { name: 'an array', input: [['a', 'b']], key: 'item.headers', value: '`[["a","b"]]` (array)' },
    { name: 'null', input: null, key: 'item.headers', value: '`null`' },
    { name: 'name with a colon', input: { 'X-A:': 'v' }, key: 'item.headers', value: '`"X-A:"` (string)' },
    { name: 'empty name', input: { '': 'v' }, key: 'item.headers', value: '`""` (string)' },
    { name: 'name with non-ASCII', input: { 'X-Ä': 'v' }, key: 'item.headers', value: '`"X-Ä"` (string)' },
    { name: 'value with CR', input: { 'X-A': 'a\rb' }, key: 'item.headers.X-A', value: '`"a\\rb"` (string)' },
    {
      name: 'value with NUL',
      input: { 'X-A': 'a\0b' },
      key: 'item.headers.X-A',
      value: '`"a\\u0000b"` (string)',
    },
    { name: 'value an array', input: { 'X-A': ['a'] }, key: 'item.headers.X-A', value: '`["a"]` (array)' },
  ];
  for (const c of bad) {
    test(`rejects ${c.name}`, () => {
      assert.throws(
        () => normalizeHeaders('item.headers', c.input),
        (err: unknown) => {
          assert.ok(err instanceof InvalidOptionError);
          assert.equal(err.key, c.key);
          assert.ok(err.message.startsWith(`Expected \`${c.key}\` to be `), err.message);
          assert.ok(err.message.endsWith(`got ${c.value}`), err.message);
          return true;
        },
      );
    });
  }
});

describe('normalizeOptions: proxies from the environment', () => {
  const NAMES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];
  function withEnv<T>(vars: Record<string, string>, run: () => T): T {
    const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
    for (const n of NAMES) delete process.env[n];
    Object.assign(process.env, vars);
    try {
      return run();
    } finally {
      for (const n of NAMES) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  }

  for (const name of ['HTTP_PROXY', 'https_proxy']) {
    test(`a malformed ${name} fails normalization, naming the variable`, () => {
      withEnv({ [name]: 'http://[bad' }, () => {
        assert.throws(
          () => normalizeOptions({}),
          (err: unknown) => {
            assert.ok(err instanceof InvalidOptionError);
            assert.equal(err.key, name);
            assert.match(err.message, new RegExp(`\`${name}\``));
            return true;
          },
        );
        // Ignoring the environment is a way out.
        assert.equal(normalizeOptions({ proxy: 'none' }).proxies.http, undefined);
      });
    });
  }

  test('HTTPS_PROXY falls back to HTTP_PROXY; NO_PROXY is kept; host:port means http://', () => {
    withEnv({ HTTP_PROXY: 'proxy:3128', NO_PROXY: 'localhost,.corp' }, () => {
      assert.deepEqual(normalizeOptions({}).proxies, {
        http: 'http://proxy:3128/',
        https: 'http://proxy:3128/',
        noProxy: 'localhost,.corp',
      });
    });
  });

  test('lower-case variables win, as curl reads them', () => {
    withEnv({ http_proxy: 'http://a:1', HTTP_PROXY: 'http://[bad', https_proxy: 'https://b:2' }, () => {
      const { proxies } = normalizeOptions({});
      assert.equal(proxies.http, 'http://a:1/');
      assert.equal(proxies.https, 'https://b:2/');
    });
  });
});
