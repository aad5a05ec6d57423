import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  acceptsRanges,
  type ContentRange,
  ifRangeValue,
  parseContentRange,
  readValidator,
  type Validator,
  validatorChanged,
} from '../../src/download/response.js';
import { contentLength, type Headers } from '../../src/transport/headers.js';

describe('parseContentRange', () => {
  const cases: Array<{ value: string | undefined; expected: ContentRange | undefined }> = [
    { value: 'bytes 0-99/100', expected: { start: 0, end: 99, size: 100 } },
    { value: 'bytes 100-199/1000', expected: { start: 100, end: 199, size: 1000 } },
    { value: 'bytes 0-0/1', expected: { start: 0, end: 0, size: 1 } },
    { value: 'bytes 5-9/*', expected: { start: 5, end: 9, size: undefined } },
    { value: 'BYTES 1-2/3', expected: { start: 1, end: 2, size: 3 } },
    { value: '  bytes 1-2/3  ', expected: { start: 1, end: 2, size: 3 } },
    {
      value: 'bytes 0-4294967296/8589934592',
      expected: { start: 0, end: 4_294_967_296, size: 8_589_934_592 },
    },
    { value: 'bytes */100', expected: undefined },
    { value: 'bytes 100-99/200', expected: undefined },
    { value: 'bytes 0-100/100', expected: undefined },
    { value: 'bytes 0-99/99', expected: undefined },
    { value: 'bytes=0-99/100', expected: undefined },
    { value: 'bytes 0-99', expected: undefined },
    { value: 'bytes -5-9/10', expected: undefined },
    { value: 'items 0-1/2', expected: undefined },
    { value: 'bytes 0-1/2, bytes 3-4/5', expected: undefined },
    { value: '', expected: undefined },
    { value: undefined, expected: undefined },
  ];
  for (const c of cases) {
    test(String(JSON.stringify(c.value)), () => {
      assert.deepEqual(parseContentRange(c.value), c.expected);
    });
  }
});

describe('contentLength', () => {
  const cases: Array<{ name: string; headers: Headers; expected: number | undefined }> = [
    { name: 'a number', headers: { 'content-length': '123' }, expected: 123 },
    { name: 'zero', headers: { 'content-length': '0' }, expected: 0 },
    { name: 'surrounding spaces', headers: { 'content-length': ' 42 ' }, expected: 42 },
    { name: 'leading zeros', headers: { 'content-length': '007' }, expected: 7 },
    { name: 'beyond 4 GiB', headers: { 'content-length': '10737418240' }, expected: 10_737_418_240 },
    { name: 'first of repeated values', headers: { 'content-length': ['5', '5'] }, expected: 5 },
    { name: 'negative', headers: { 'content-length': '-1' }, expected: undefined },
    { name: 'fractional', headers: { 'content-length': '1.5' }, expected: undefined },
    { name: 'exponent', headers: { 'content-length': '1e3' }, expected: undefined },
    { name: 'garbage', headers: { 'content-length': 'abc' }, expected: undefined },
    { name: 'empty', headers: { 'content-length': '' }, expected: undefined },
    { name: 'absent', headers: {}, expected: undefined },
    { name: 'explicitly undefined', headers: { 'content-length': undefined }, expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(contentLength(c.headers), c.expected);
    });
  }
});

describe('readValidator', () => {
  const cases: Array<{ name: string; headers: Headers; expected: Validator }> = [
    { name: 'strong ETag', headers: { etag: '"abc"' }, expected: { etag: '"abc"' } },
    { name: 'weak ETag is not used', headers: { etag: 'W/"abc"' }, expected: {} },
    {
      name: 'weak ETag dropped, Last-Modified kept',
      headers: { etag: 'W/"abc"', 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT' },
      expected: { lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' },
    },
    {
      name: 'both',
      headers: { etag: '"v2"', 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT' },
      expected: { etag: '"v2"', lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' },
    },
    { name: 'empty ETag ignored', headers: { etag: '' }, expected: {} },
    { name: 'first of repeated ETags', headers: { etag: ['"a"', '"b"'] }, expected: { etag: '"a"' } },
    { name: 'neither', headers: {}, expected: {} },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(readValidator(c.headers), c.expected);
    });
  }
});

describe('ifRangeValue', () => {
  const LM = 'Wed, 21 Oct 2015 07:28:00 GMT';
  const cases: Array<{ name: string; validator: Validator | undefined; expected: string | undefined }> = [
    {
      name: 'ETag preferred over Last-Modified',
      validator: { etag: '"x"', lastModified: LM },
      expected: '"x"',
    },
    { name: 'ETag only', validator: { etag: '"x"' }, expected: '"x"' },
    { name: 'Last-Modified only', validator: { lastModified: LM }, expected: LM },
    { name: 'empty validator', validator: {}, expected: undefined },
    { name: 'no validator', validator: undefined, expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(ifRangeValue(c.validator), c.expected);
    });
  }
});

describe('validatorChanged', () => {
  const A = 'Wed, 21 Oct 2015 07:28:00 GMT';
  const B = 'Thu, 22 Oct 2015 07:28:00 GMT';
  const cases: Array<{ name: string; known: Validator | undefined; now: Validator; expected: boolean }> = [
    { name: 'nothing known', known: undefined, now: { etag: '"a"' }, expected: false },
    { name: 'same ETag', known: { etag: '"a"' }, now: { etag: '"a"' }, expected: false },
    { name: 'different ETag', known: { etag: '"a"' }, now: { etag: '"b"' }, expected: true },
    { name: 'same Last-Modified', known: { lastModified: A }, now: { lastModified: A }, expected: false },
    { name: 'different Last-Modified', known: { lastModified: A }, now: { lastModified: B }, expected: true },
    {
      name: 'ETag decides over Last-Modified (same ETag, new date)',
      known: { etag: '"a"', lastModified: A },
      now: { etag: '"a"', lastModified: B },
      expected: false,
    },
    {
      name: 'ETag decides over Last-Modified (new ETag, same date)',
      known: { etag: '"a"', lastModified: A },
      now: { etag: '"b"', lastModified: A },
      expected: true,
    },
    {
      name: 'ETag gone, Last-Modified compared',
      known: { etag: '"a"', lastModified: A },
      now: { lastModified: B },
      expected: true,
    },
    {
      name: 'ETag known, only date now: cannot tell',
      known: { etag: '"a"' },
      now: { lastModified: A },
      expected: false,
    },
    { name: 'nothing comparable now', known: { etag: '"a"', lastModified: A }, now: {}, expected: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(validatorChanged(c.known, c.now), c.expected);
    });
  }
});

describe('acceptsRanges', () => {
  const cases: Array<{ name: string; headers: Headers; expected: boolean }> = [
    { name: 'bytes', headers: { 'accept-ranges': 'bytes' }, expected: true },
    { name: 'Bytes, any case', headers: { 'accept-ranges': 'Bytes' }, expected: true },
    { name: 'in a list', headers: { 'accept-ranges': 'pages, bytes' }, expected: true },
    { name: 'none', headers: { 'accept-ranges': 'none' }, expected: false },
    { name: 'a word containing bytes', headers: { 'accept-ranges': 'nobytes' }, expected: false },
    { name: 'empty', headers: { 'accept-ranges': '' }, expected: false },
    { name: 'absent', headers: {}, expected: false },
    {
      name: 'first of repeated values wins',
      headers: { 'accept-ranges': ['none', 'bytes'] },
      expected: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(acceptsRanges(c.headers), c.expected);
    });
  }
});
