import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StoreError } from '../../src/errors/index.js';
import { isRetryable, storeCodeOf, toStoreError } from '../../src/storage/s3/s3-errors.js';

describe('S3 errors', () => {
  const sdkError = (name: string, status: number | undefined, extra: object = {}) =>
    Object.assign(new Error(`${name} happened`), {
      name,
      ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
      ...extra,
    });
  const cases: Array<{ name: string; err: unknown; storeCode: string | undefined; retryable: boolean }> = [
    {
      name: 'no such bucket',
      err: sdkError('NoSuchBucket', 404),
      storeCode: 'NoSuchBucket',
      retryable: false,
    },
    {
      name: 'access denied',
      err: sdkError('AccessDenied', 403),
      storeCode: 'AccessDenied',
      retryable: false,
    },
    {
      name: 'bad access key',
      err: sdkError('InvalidAccessKeyId', 403),
      storeCode: 'InvalidAccessKeyId',
      retryable: false,
    },
    { name: 'slow down', err: sdkError('SlowDown', 503), storeCode: 'SlowDown', retryable: true },
    {
      name: 'internal error',
      err: sdkError('InternalError', 500),
      storeCode: 'InternalError',
      retryable: true,
    },
    {
      name: 'request timeout (400)',
      err: sdkError('RequestTimeout', 400),
      storeCode: 'RequestTimeout',
      retryable: true,
    },
    { name: 'bare 502', err: sdkError('Unknown', 502), storeCode: '502', retryable: true },
    { name: 'bare 400', err: sdkError('UnknownError', 400), storeCode: '400', retryable: false },
    {
      name: 'Code beats name',
      err: sdkError('S3ServiceException', 400, { Code: 'BadDigest' }),
      storeCode: 'BadDigest',
      retryable: false,
    },
    {
      name: 'connection refused',
      err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      storeCode: 'ECONNREFUSED',
      retryable: true,
    },
    {
      name: 'connection reset',
      err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      storeCode: 'ECONNRESET',
      retryable: true,
    },
    {
      name: 'host not found',
      err: Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }),
      storeCode: 'ENOTFOUND',
      retryable: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(storeCodeOf(c.err), c.storeCode);
      assert.equal(isRetryable(c.err), c.retryable);
      const mapped = toStoreError(c.err, 'PutObject s3://b12/k');
      assert.ok(mapped instanceof StoreError);
      assert.equal(mapped.code, 'STORE_ERROR');
      assert.equal(mapped.storeCode, c.storeCode);
      assert.equal(mapped.retryable, c.retryable);
      assert.match(mapped.message, /^PutObject s3:\/\/b12\/k failed: /);
    });
  }

  test('an aborted signal wins: its ParafetchError reason is kept', () => {
    const controller = new AbortController();
    const reason = new StoreError('stop', { storeCode: 'X' });
    controller.abort(reason);
    assert.equal(toStoreError(sdkError('SlowDown', 503), 'x', controller.signal), reason);
  });

  test('an aborted signal with a plain reason: ABORTED', () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(toStoreError(new Error('whatever'), 'x', controller.signal).code, 'ABORTED');
  });

  test("the SDK's AbortError: ABORTED", () => {
    assert.equal(
      toStoreError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'x').code,
      'ABORTED',
    );
  });
});
