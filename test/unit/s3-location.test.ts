import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidOptionError } from '../../src/errors/index.js';
import { isS3Url, objectKey, parseS3Url, s3Url } from '../../src/storage/s3/s3-location.js';

describe('isS3Url', () => {
  const cases: Array<[string, boolean]> = [
    ['s3://bucket', true],
    ['s3://bucket/prefix', true],
    ['S3://bucket/prefix', true],
    ['s3:/bucket', false],
    ['./s3://x', false],
    ['/data/out', false],
    ['https://bucket.s3.amazonaws.com/', false],
    ['', false],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} -> ${expected}`, () => assert.equal(isS3Url(input), expected));
  }
});

describe('parseS3Url', () => {
  const valid: Array<{ name: string; input: string; bucket: string; prefix: string }> = [
    { name: 'bucket only', input: 's3://my-bucket', bucket: 'my-bucket', prefix: '' },
    { name: 'bucket with a trailing slash', input: 's3://my-bucket/', bucket: 'my-bucket', prefix: '' },
    { name: 'one-segment prefix', input: 's3://b12/images', bucket: 'b12', prefix: 'images' },
    { name: 'trailing slash dropped', input: 's3://b12/images/', bucket: 'b12', prefix: 'images' },
    { name: 'deep prefix', input: 's3://b12/a/b/c', bucket: 'b12', prefix: 'a/b/c' },
    { name: 'dotted bucket', input: 's3://my.bucket.example/x', bucket: 'my.bucket.example', prefix: 'x' },
    {
      name: 'legacy bucket with capitals',
      input: 's3://Legacy_Bucket/x',
      bucket: 'Legacy_Bucket',
      prefix: 'x',
    },
    { name: 'prefix with spaces and unicode', input: 's3://b12/été 2024', bucket: 'b12', prefix: 'été 2024' },
    {
      name: 'prefix with dots inside a segment',
      input: 's3://b12/v1.2/..x',
      bucket: 'b12',
      prefix: 'v1.2/..x',
    },
  ];
  for (const c of valid) {
    test(c.name, () => assert.deepEqual(parseS3Url(c.input), { bucket: c.bucket, prefix: c.prefix }));
  }

  const invalid: Array<{ name: string; input: string }> = [
    { name: 'not s3', input: 'https://b12/x' },
    { name: 'no bucket', input: 's3://' },
    { name: 'empty bucket', input: 's3:///prefix' },
    { name: 'bucket too short', input: 's3://ab/x' },
    { name: 'bucket too long', input: `s3://${'a'.repeat(64)}` },
    { name: 'bucket ending with a hyphen', input: 's3://bucket-/x' },
    { name: 'bucket with a double dot', input: 's3://my..bucket' },
    { name: 'bucket with a colon (a port)', input: 's3://host:9000/x' },
    { name: 'empty segment in the prefix', input: 's3://b12/a//b' },
    { name: 'two trailing slashes', input: 's3://b12/a//' },
    { name: 'dot-dot segment', input: 's3://b12/a/../b' },
    { name: 'dot segment', input: 's3://b12/./b' },
    { name: 'control character', input: 's3://b12/a\nb' },
  ];
  for (const c of invalid) {
    test(`refused: ${c.name}`, () => {
      assert.throws(
        () => parseS3Url(c.input),
        (err: unknown) =>
          err instanceof InvalidOptionError && err.key === 'dir' && err.code === 'INVALID_OPTION',
      );
    });
  }

  test('the option named in the error is the one given', () => {
    assert.throws(() => parseS3Url('s3://', 'output'), /`output`/);
  });
});

describe('objectKey', () => {
  const cases: Array<{ name: string; prefix: string; file: string; key: string }> = [
    { name: 'prefix and name', prefix: 'images', file: 'a.jpg', key: 'images/a.jpg' },
    { name: 'name with folders', prefix: 'images', file: 'a/b.jpg', key: 'images/a/b.jpg' },
    { name: 'no prefix: no leading slash', prefix: '', file: 'a/b.jpg', key: 'a/b.jpg' },
    { name: 'leading slash of a name dropped', prefix: 'p', file: '/a.jpg', key: 'p/a.jpg' },
    { name: 'no double slash', prefix: 'p', file: 'a//b.jpg', key: 'p/a/b.jpg' },
    { name: 'deep prefix', prefix: 'x/y', file: 'z', key: 'x/y/z' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(objectKey({ bucket: 'b12', prefix: c.prefix }, c.file), c.key));
  }
  test('s3Url', () => assert.equal(s3Url('b12', 'p/a.jpg'), 's3://b12/p/a.jpg'));
});
