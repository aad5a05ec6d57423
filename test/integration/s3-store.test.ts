import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AbortedError, ParafetchError, StoreError } from '../../src/errors/index.js';
import { createS3Client } from '../../src/storage/s3/s3-client.js';
import { S3Store } from '../../src/storage/s3/s3-store.js';
import type { Upload } from '../../src/storage/store.js';
import {
  startS3Server,
  useS3rverCredentials,
  type S3Request,
  type S3TestServer,
} from '../helpers/s3-server.js';

useS3rverCredentials();

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sha256b64 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');

let srv: S3TestServer;
before(async () => {
  srv = await startS3Server();
});
after(async () => {
  await srv.close();
});

function storeAt(prefix: string, options: { bucket?: string; server?: S3TestServer } = {}): S3Store {
  const server = options.server ?? srv;
  return new S3Store({
    url: `s3://${options.bucket ?? server.bucket}/${prefix}`,
    endpoint: server.endpoint,
    partSize: 5 * MiB,
  });
}

/** Writes `data` in 1 MiB chunks, waiting whenever the upload asks to. */
async function writeAll(upload: Upload, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length; at += MiB) {
    if (!upload.write(data.subarray(at, at + MiB))) await upload.drained();
  }
}

const to = (key: string) => (r: S3Request) => r.url.split('?')[0] === `/${srv.bucket}/${key}`;
const isPart = (key: string, n: number) => (r: S3Request) =>
  to(key)(r) &&
  r.method === 'PUT' &&
  new URLSearchParams(r.url.split('?')[1]).get('partNumber') === String(n);
const sentFor = (key: string) => srv.requests.filter(to(key));

/** Fails unless `promise` rejects with a ParafetchError of `code`; returns it. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<ParafetchError> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}, got success`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ParafetchError, `not a ParafetchError: ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

describe('S3Store against s3rver', () => {
  test('a small object is one PutObject with its SHA-256, visible only after commit', async () => {
    const store = storeAt('small');
    const body = Buffer.from('hello, object store\n');
    const upload = await store.open({
      index: 0,
      name: 'a/b.txt',
      url: 'http://example.test/b.txt',
      contentType: 'text/plain',
    });
    upload.write(body.subarray(0, 5));
    upload.write(body.subarray(5));
    assert.equal(await store.stat({ index: 0, name: 'a/b.txt' }), undefined);
    assert.equal(sentFor('small/a/b.txt').length, 1, 'only the HeadObject went out before commit');

    assert.equal(await upload.commit(sha256(body)), `s3://${srv.bucket}/small/a/b.txt`);
    assert.deepEqual(await store.stat({ index: 0, name: 'a/b.txt' }), {
      location: `s3://${srv.bucket}/small/a/b.txt`,
      size: body.length,
      sha256: sha256(body),
    });
    assert.deepEqual(Buffer.from((await store.read('a/b.txt'))!), body);

    // s3rver does not check x-amz-checksum-sha256 (a wrong one is accepted): only what is sent is tested here.
    const put = sentFor('small/a/b.txt').find((r) => r.method === 'PUT')!;
    assert.equal(put.headers['x-amz-checksum-sha256'], sha256b64(body));
    assert.equal(put.headers['content-length'], String(body.length));
    assert.equal(put.headers['content-type'], 'text/plain');
    assert.equal(put.headers['x-amz-meta-sha256'], sha256(body));
    assert.equal(put.headers['x-amz-meta-url'], 'http://example.test/b.txt');
    // No aws-chunked encoding with trailers: compatible stores refuse it.
    assert.equal(put.headers['content-encoding'], undefined);
    assert.equal(put.headers['x-amz-trailer'], undefined);
    assert.doesNotMatch(String(put.headers['x-amz-content-sha256']), /STREAMING/);
    await store.close();
  });

  test('an empty object is committed too', async () => {
    const store = storeAt('empty');
    const upload = await store.open({ index: 0, name: 'zero', url: 'http://example.test/zero' });
    await upload.commit(sha256(new Uint8Array(0)));
    assert.equal((await store.stat({ index: 0, name: 'zero' }))?.size, 0);
    assert.equal((await store.read('zero'))?.length, 0);
    await store.close();
  });

  test('12 MiB in 5 MiB parts: a multipart upload with per-part SHA-256, the same bytes read back', async () => {
    const store = storeAt('multi');
    const data = randomBytes(12 * MiB);
    const upload = await store.open({ index: 0, name: 'big.bin', url: 'http://example.test/big.bin' });
    await writeAll(upload, data);
    await srv.answered(isPart('multi/big.bin', 2));
    assert.equal(await store.stat({ index: 0, name: 'big.bin' }), undefined, 'nothing visible before commit');
    assert.equal((await srv.pendingUploads()).length, 1);

    await upload.commit(sha256(data));
    assert.deepEqual(Buffer.from((await store.read('big.bin'))!), data);
    assert.equal((await store.stat({ index: 0, name: 'big.bin' }))?.size, data.length);
    assert.deepEqual(await srv.pendingUploads(), []);

    const sent = sentFor('multi/big.bin');
    const create = sent.find((r) => r.method === 'POST' && r.url.includes('uploads'))!;
    assert.equal(create.headers['x-amz-checksum-algorithm'], 'SHA256');
    const parts = sent.filter((r) => r.method === 'PUT');
    assert.deepEqual(
      parts.map((r) => r.headers['x-amz-checksum-sha256']),
      [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)].map(sha256b64),
    );
    assert.ok(
      sent.some((r) => r.method === 'POST' && r.url.includes('uploadId=')),
      'completed',
    );
    await store.close();
  });

  test('write says wait while two parts are being sent and the next is full; drained says go on', async () => {
    const store = storeAt('pressure');
    const hold = srv.hold((r) => to('pressure/p.bin')(r) && r.method === 'PUT');
    const upload = await store.open({ index: 0, name: 'p.bin', url: 'http://example.test/p.bin' });
    const data = randomBytes(16 * MiB);
    const answers: boolean[] = [];
    for (let i = 0; i < 15; i++) answers.push(upload.write(data.subarray(i * MiB, (i + 1) * MiB)));
    assert.deepEqual(answers, [...Array<boolean>(14).fill(true), false]);
    let drained = false;
    const wait = upload.drained().then(() => (drained = true));
    await hold.arrived;
    assert.equal(drained, false);
    hold.release();
    await wait;
    upload.write(data.subarray(15 * MiB));
    await upload.commit(sha256(data));
    assert.deepEqual(Buffer.from((await store.read('p.bin'))!), data);
    await store.close();
  });

  test('an upload aborted after a part was sent leaves no object and no pending multipart upload', async () => {
    const store = storeAt('aborted');
    const upload = await store.open({ index: 0, name: 'gone.bin', url: 'http://example.test/gone.bin' });
    await writeAll(upload, randomBytes(7 * MiB));
    await srv.answered(isPart('aborted/gone.bin', 1));
    assert.equal((await srv.pendingUploads()).length, 1);

    await upload.abort();
    await upload.abort(); // twice is safe
    assert.deepEqual(await srv.pendingUploads(), []);
    assert.equal(await store.stat({ index: 0, name: 'gone.bin' }), undefined);
    assert.ok(sentFor('aborted/gone.bin').some((r) => r.method === 'DELETE' && r.url.includes('uploadId=')));
    assert.throws(
      () => upload.write(new Uint8Array(1)),
      (e: unknown) => (e as ParafetchError).code === 'ABORTED',
    );
    await store.close();
  });

  test('destroy() aborts every open upload: no object, no pending upload, nothing sent for a small one', async () => {
    const store = storeAt('destroyed');
    const big = await store.open({ index: 0, name: 'big.bin', url: 'http://example.test/1' });
    const small = await store.open({ index: 1, name: 'small.txt', url: 'http://example.test/2' });
    await writeAll(big, randomBytes(6 * MiB));
    small.write(Buffer.from('not yet'));
    await srv.answered(isPart('destroyed/big.bin', 1));

    await store.destroy();
    assert.deepEqual(await srv.pendingUploads(), []);
    assert.deepEqual(sentFor('destroyed/small.txt'), []);
    const look = storeAt('destroyed');
    assert.equal(await look.stat({ index: 0, name: 'big.bin' }), undefined);
    assert.equal(await look.stat({ index: 1, name: 'small.txt' }), undefined);
    await look.close();
    await rejectsWith(small.commit(undefined), 'ABORTED');
  });

  test('close() aborts an upload never committed, so none is left pending', async () => {
    const store = storeAt('closed');
    const upload = await store.open({ index: 0, name: 'left.bin', url: 'http://example.test/left' });
    await writeAll(upload, randomBytes(6 * MiB));
    await srv.answered(isPart('closed/left.bin', 1));
    await store.close();
    assert.deepEqual(await srv.pendingUploads(), []);
  });

  test('stat and read of a missing key: undefined', async () => {
    const store = storeAt('nothing');
    assert.equal(await store.stat({ index: 0, name: 'missing.txt' }), undefined);
    assert.equal(await store.read('missing.txt'), undefined);
    await store.close();
  });

  test('a missing bucket: STORE_ERROR NoSuchBucket, not retryable (small and multipart)', async () => {
    const store = storeAt('x', { bucket: 'no-such-bucket' });
    const small = await store.open({ index: 0, name: 'a.txt', url: 'http://example.test/a' });
    small.write(Buffer.from('abc'));
    const err = await rejectsWith(small.commit(undefined), 'STORE_ERROR');
    assert.ok(err instanceof StoreError);
    assert.equal(err.storeCode, 'NoSuchBucket');
    assert.equal(err.retryable, false);
    assert.match(err.message, /PutObject s3:\/\/no-such-bucket\/x\/a\.txt/);

    const big = await store.open({ index: 1, name: 'b.bin', url: 'http://example.test/b' });
    const failure = await (async () => {
      try {
        await writeAll(big, randomBytes(11 * MiB));
        await big.commit(undefined);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(failure instanceof StoreError, String(failure));
    assert.equal(failure.storeCode, 'NoSuchBucket');
    assert.equal(failure.retryable, false);
    assert.match(failure.message, /CreateMultipartUpload s3:\/\/no-such-bucket\/x\/b\.bin/);
    await store.close();
  });

  test('a sha256 that does not match the bytes fails the commit: no object (small)', async () => {
    const store = storeAt('mismatch');
    const upload = await store.open({ index: 0, name: 's.txt', url: 'http://example.test/s' });
    upload.write(Buffer.from('these bytes'));
    const err = await rejectsWith(upload.commit(sha256(Buffer.from('other bytes'))), 'CHECKSUM_MISMATCH');
    assert.match(err.message, /s3:\/\/test-bucket\/mismatch\/s\.txt/);
    await upload.abort(); // safe after a failed commit
    assert.deepEqual(sentFor('mismatch/s.txt'), [], 'nothing was sent');
    assert.equal(await store.stat({ index: 0, name: 's.txt' }), undefined);
    await store.close();
  });

  test('a sha256 that does not match the bytes fails the commit: no object, no pending upload (multipart)', async () => {
    const store = storeAt('mismatch');
    const upload = await store.open({ index: 0, name: 'm.bin', url: 'http://example.test/m' });
    await writeAll(upload, randomBytes(8 * MiB));
    await rejectsWith(upload.commit('0'.repeat(64)), 'CHECKSUM_MISMATCH');
    assert.equal(await store.stat({ index: 0, name: 'm.bin' }), undefined);
    assert.deepEqual(await srv.pendingUploads(), []);
    assert.ok(!sentFor('mismatch/m.bin').some((r) => r.method === 'POST' && r.url.includes('uploadId=')));
    await store.close();
  });

  test('the signal aborting a part in flight: the reason comes back, then abort() drops the upload', async () => {
    const store = storeAt('signal');
    const hold = srv.hold(isPart('signal/s.bin', 2));
    const controller = new AbortController();
    const upload = await store.open(
      { index: 0, name: 's.bin', url: 'http://example.test/s' },
      controller.signal,
    );
    await writeAll(upload, randomBytes(11 * MiB));
    await hold.arrived;
    const reason = new AbortedError('http://example.test/s');
    controller.abort(reason);
    const err = await upload.commit(undefined).then(
      () => assert.fail('committed after an abort'),
      (e: unknown) => e,
    );
    assert.equal(err, reason);
    hold.release();
    await upload.abort();
    assert.deepEqual(await srv.pendingUploads(), []);
    assert.equal(await store.stat({ index: 0, name: 's.bin' }), undefined);
    await store.close();
  });

  test('open with a signal already aborted: rejects with its reason, nothing sent', async () => {
    const store = storeAt('early');
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(
      store.open({ index: 0, name: 'e', url: 'http://example.test/e' }, controller.signal),
      'ABORTED',
    );
    assert.deepEqual(sentFor('early/e'), []);
    await store.close();
  });
});

describe('createS3Client against s3rver', () => {
  test('a streamed body is stored as sent: no aws-chunked framing, which s3rver would keep in the object', async () => {
    const client = createS3Client({ endpoint: srv.endpoint });
    await client.send(
      new PutObjectCommand({
        Bucket: srv.bucket,
        Key: 'client/streamed',
        Body: Readable.from([Buffer.from('hello')]),
        ContentLength: 5,
      }),
    );
    const put = sentFor('client/streamed').find((r) => r.method === 'PUT')!;
    assert.equal(put.headers['content-encoding'], undefined);
    const store = new S3Store({ url: `s3://${srv.bucket}/client`, client });
    assert.equal(Buffer.from((await store.read('streamed'))!).toString(), 'hello');
    await store.close();
    client.destroy();
  });

  test('AWS_ENDPOINT_URL is the endpoint when none is given, with path-style addressing', async () => {
    process.env.AWS_ENDPOINT_URL = srv.endpoint;
    try {
      const store = new S3Store({ url: `s3://${srv.bucket}/env` });
      const upload = await store.open({ index: 0, name: 'e.txt', url: 'http://example.test/e' });
      upload.write(Buffer.from('from env'));
      await upload.commit(undefined);
      assert.equal(Buffer.from((await store.read('e.txt'))!).toString(), 'from env');
      await store.close();
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });
});

describe('S3Store against s3rver as shipped (no AbortMultipartUpload)', () => {
  let plain: S3TestServer;
  before(async () => {
    plain = await startS3Server({ abortMultipart: false });
  });
  after(async () => {
    await plain.close();
  });

  test('a store that refuses the abort: abort() rejects with its code, and no object appears', async () => {
    const store = storeAt('refused', { server: plain });
    const upload = await store.open({ index: 0, name: 'r.bin', url: 'http://example.test/r' });
    await writeAll(upload, randomBytes(6 * MiB));
    await plain.answered((r) => r.method === 'PUT' && r.url.includes('partNumber=1'));
    const err = await rejectsWith(upload.abort(), 'STORE_ERROR');
    assert.equal((err as StoreError).storeCode, 'MethodNotAllowed');
    assert.match(
      err.message,
      /AbortMultipartUpload s3:\/\/test-bucket\/refused\/r\.bin \(upload id [0-9a-f]+\)/,
    );
    assert.equal(await store.stat({ index: 0, name: 'r.bin' }), undefined);
    assert.equal((await plain.pendingUploads()).length, 1, 'the parts stay on the store');
    await rejectsWith(store.destroy(), 'STORE_ERROR');
  });
});
