import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { relativePath, reportRoot } from '../../src/render/report.js';

test('report paths: local files relative to the folder, objects relative to the bucket prefix', () => {
  const table: Array<[dir: string, file: string | undefined, expected: string | null]> = [
    ['/data/out', '/data/out/a/b.jpg', 'a/b.jpg'],
    ['/data/out', undefined, null],
    ['s3://bucket/prefix', 's3://bucket/prefix/a/b.jpg', 'a/b.jpg'],
    ['s3://bucket/prefix/', 's3://bucket/prefix/a.jpg', 'a.jpg'],
    // Another prefix that merely starts alike is not inside this one.
    ['s3://bucket/pre', 's3://bucket/prefix/a.jpg', 's3://bucket/prefix/a.jpg'],
    ['s3://bucket', 's3://bucket/x', 'x'],
  ];
  for (const [dir, file, expected] of table)
    assert.equal(relativePath(dir, file), expected, `${dir} ${file}`);
});

test('report root: a local folder is resolved, a URL is kept without its trailing slash', () => {
  assert.equal(reportRoot('out'), path.resolve('out'));
  assert.equal(reportRoot('s3://bucket/prefix/'), 's3://bucket/prefix');
  assert.equal(reportRoot('S3://Bucket/p'), 'S3://Bucket/p');
});
