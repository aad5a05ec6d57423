import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { asItemError } from '../../src/engine/error-kind.js';
import { ConnectionError, HttpStatusError } from '../../src/errors/index.js';

const URL_ = 'https://example.com/f.bin';
const TIMEOUTS = { connect: 1000, headers: 2000, stall: 3000 };

function errno(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code}: something`), { code, ...extra });
}

describe('asItemError: errors routed by kind', () => {
  const cases: Array<{ name: string; err: unknown; code: string }> = [
    { name: 'ours pass through', err: new HttpStatusError(404, URL_), code: 'HTTP_404' },
    {
      name: 'regression: EEXIST of a mkdir is a disk error, not CONNECTION_ERROR',
      err: errno('EEXIST', { syscall: 'mkdir', path: '/x/y' }),
      code: 'DISK_ERROR',
    },
    {
      name: 'any error naming a path is a disk error',
      err: errno('EWHATEVER', { syscall: 'open', path: '/x' }),
      code: 'DISK_ERROR',
    },
    {
      name: 'ENOSPC of a write on a descriptor (no path)',
      err: errno('ENOSPC', { syscall: 'write' }),
      code: 'DISK_ERROR',
    },
    {
      name: 'a socket reset goes through the transport mapper',
      err: errno('ECONNRESET', { syscall: 'read' }),
      code: 'CONNECTION_RESET',
    },
    {
      name: 'a refused connection',
      err: errno('ECONNREFUSED', { syscall: 'connect' }),
      code: 'CONNECTION_REFUSED',
    },
    { name: 'a failed name lookup', err: errno('ENOTFOUND', { syscall: 'getaddrinfo' }), code: 'DNS_ERROR' },
    { name: 'an undici error', err: errno('UND_ERR_HEADERS_TIMEOUT'), code: 'HEADERS_TIMEOUT' },
    {
      name: 'regression: a reset in a body delimited by the close (ECONNRESET_IN_RESPONSE) is CONNECTION_RESET, not INTERNAL_ERROR',
      err: errno('ECONNRESET_IN_RESPONSE', { syscall: 'read' }),
      code: 'CONNECTION_RESET',
    },
    { name: 'a network errno without a code of its own', err: errno('ETIMEDOUT'), code: 'CONNECTION_ERROR' },
    { name: 'an undici misuse is a bug', err: errno('UND_ERR_INVALID_ARG'), code: 'INTERNAL_ERROR' },
    { name: 'an abort', err: Object.assign(new Error('aborted'), { name: 'AbortError' }), code: 'ABORTED' },
    {
      name: 'regression: a TypeError is INTERNAL_ERROR, not CONNECTION_ERROR',
      err: new TypeError('x is not a function'),
      code: 'INTERNAL_ERROR',
    },
    { name: 'a thrown string', err: 'oops', code: 'INTERNAL_ERROR' },
    { name: 'a thrown undefined', err: undefined, code: 'INTERNAL_ERROR' },
    { name: 'an Error with an unknown code', err: errno('ERR_SOMETHING_ELSE'), code: 'INTERNAL_ERROR' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(asItemError(c.err, URL_, TIMEOUTS).code, c.code);
    });
  }

  test('an internal error keeps its cause and is not retried', () => {
    const bug = new RangeError('bad index');
    const e = asItemError(bug, URL_, TIMEOUTS);
    assert.equal(e.cause, bug);
    assert.equal(e.retryable, false);
    assert.match(e.message, /RangeError: bad index/);
    assert.ok(!(e instanceof ConnectionError));
  });

  test('a disk error keeps the message naming the path', () => {
    const e = asItemError(errno('EACCES', { syscall: 'open', path: '/data/x.part' }), URL_, TIMEOUTS);
    assert.match(e.message, /\/data\/x\.part/);
  });
});
