import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errors } from 'undici';
import {
  AbortedError,
  ConnectionError,
  HttpStatusError,
  InternalError,
  ParafetchError,
  TimeoutError,
} from '../../src/errors/index.js';
import { toTransportError } from '../../src/transport/errors.js';

const URL_ = 'https://files.example.com:8443/a.bin';
const TIMEOUTS = { connect: 1111, headers: 2222, stall: 3333 };

function coded(code: unknown, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

type ErrorClass = typeof TimeoutError | typeof ConnectionError | typeof AbortedError | typeof InternalError;

describe('toTransportError', () => {
  const cases: Array<{
    name: string;
    input: unknown;
    type: ErrorClass;
    code: string;
    retryable: boolean;
    message?: RegExp;
  }> = [
    {
      name: 'UND_ERR_CONNECT_TIMEOUT',
      input: coded('UND_ERR_CONNECT_TIMEOUT'),
      type: TimeoutError,
      code: 'CONNECT_TIMEOUT',
      retryable: true,
      message: /connect timeout after 1111 ms/,
    },
    {
      name: 'UND_ERR_HEADERS_TIMEOUT',
      input: coded('UND_ERR_HEADERS_TIMEOUT'),
      type: TimeoutError,
      code: 'HEADERS_TIMEOUT',
      retryable: true,
      message: /headers timeout after 2222 ms/,
    },
    {
      name: 'UND_ERR_BODY_TIMEOUT',
      input: coded('UND_ERR_BODY_TIMEOUT'),
      type: TimeoutError,
      code: 'STALL_TIMEOUT',
      retryable: true,
      message: /stall timeout after 3333 ms/,
    },
    {
      name: 'ECONNREFUSED',
      input: coded('ECONNREFUSED'),
      type: ConnectionError,
      code: 'CONNECTION_REFUSED',
      retryable: true,
      message: /files\.example\.com:8443/,
    },
    {
      name: 'ECONNRESET',
      input: coded('ECONNRESET', 'socket hang up'),
      type: ConnectionError,
      code: 'CONNECTION_RESET',
      retryable: true,
      message: /socket hang up/,
    },
    {
      name: 'EPIPE',
      input: coded('EPIPE'),
      type: ConnectionError,
      code: 'CONNECTION_RESET',
      retryable: true,
    },
    {
      name: 'UND_ERR_SOCKET',
      input: coded('UND_ERR_SOCKET'),
      type: ConnectionError,
      code: 'CONNECTION_RESET',
      retryable: true,
    },
    {
      name: 'UND_ERR_CLOSED',
      input: coded('UND_ERR_CLOSED'),
      type: ConnectionError,
      code: 'CONNECTION_RESET',
      retryable: true,
    },
    {
      name: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
      input: coded('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'),
      type: ConnectionError,
      code: 'CONNECTION_RESET',
      retryable: true,
    },
    {
      name: 'ENOTFOUND',
      input: coded('ENOTFOUND'),
      type: ConnectionError,
      code: 'DNS_ERROR',
      retryable: true,
      message: /cannot resolve files\.example\.com/,
    },
    {
      name: 'EAI_AGAIN',
      input: coded('EAI_AGAIN'),
      type: ConnectionError,
      code: 'DNS_ERROR',
      retryable: true,
    },
    { name: 'EAI_FAIL', input: coded('EAI_FAIL'), type: ConnectionError, code: 'DNS_ERROR', retryable: true },
    {
      name: 'self-signed certificate',
      input: coded('DEPTH_ZERO_SELF_SIGNED_CERT'),
      type: ConnectionError,
      code: 'TLS_ERROR',
      retryable: false,
    },
    {
      name: 'expired certificate',
      input: coded('CERT_HAS_EXPIRED'),
      type: ConnectionError,
      code: 'TLS_ERROR',
      retryable: false,
    },
    {
      name: 'unknown issuer',
      input: coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
      type: ConnectionError,
      code: 'TLS_ERROR',
      retryable: false,
    },
    {
      name: 'host name mismatch',
      input: coded('ERR_TLS_CERT_ALTNAME_INVALID'),
      type: ConnectionError,
      code: 'TLS_ERROR',
      retryable: false,
    },
    {
      name: 'other ERR_TLS_*',
      input: coded('ERR_TLS_INVALID_PROTOCOL_VERSION'),
      type: ConnectionError,
      code: 'TLS_ERROR',
      retryable: false,
    },
    {
      name: 'other ERR_SSL_*',
      input: coded('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
      type: ConnectionError,
      code: 'TLS_ERROR',
      retryable: false,
    },
    {
      name: 'UND_ERR_ABORTED',
      input: coded('UND_ERR_ABORTED'),
      type: AbortedError,
      code: 'ABORTED',
      retryable: false,
    },
    { name: 'ABORT_ERR', input: coded('ABORT_ERR'), type: AbortedError, code: 'ABORTED', retryable: false },
    {
      name: 'AbortError by name',
      input: Object.assign(new Error('aborted'), { name: 'AbortError' }),
      type: AbortedError,
      code: 'ABORTED',
      retryable: false,
    },
    {
      name: 'DOMException AbortError (numeric code 20)',
      input: new DOMException('This operation was aborted', 'AbortError'),
      type: AbortedError,
      code: 'ABORTED',
      retryable: false,
    },
    {
      name: 'code carried by cause (fetch failed → ECONNREFUSED)',
      input: Object.assign(new Error('fetch failed'), { cause: coded('ECONNREFUSED') }),
      type: ConnectionError,
      code: 'CONNECTION_REFUSED',
      retryable: true,
    },
    {
      name: 'timeout code carried by cause',
      input: Object.assign(new Error('fetch failed'), { cause: coded('UND_ERR_HEADERS_TIMEOUT') }),
      type: TimeoutError,
      code: 'HEADERS_TIMEOUT',
      retryable: true,
    },
    {
      name: 'unknown outer code, known cause code',
      input: Object.assign(coded('E_WRAPPED'), { cause: coded('ENOTFOUND') }),
      type: ConnectionError,
      code: 'DNS_ERROR',
      retryable: true,
    },
    {
      name: 'ECONNRESET_IN_RESPONSE (a reset in a body delimited by the close)',
      input: coded('ECONNRESET_IN_RESPONSE'),
      type: ConnectionError,
      code: 'CONNECTION_RESET',
      retryable: true,
    },
    // Network failures with no code of their own: recognised, retried under CONNECTION_ERROR.
    ...['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EPROTO'].map((code) => ({
      name: `errno ${code}`,
      input: coded(code),
      type: ConnectionError,
      code: 'CONNECTION_ERROR',
      retryable: true,
      message: /request to files\.example\.com:8443 failed/,
    })),
    ...['UND_ERR_DESTROYED', 'UND_ERR_INFO', 'UND_ERR_HEADERS_OVERFLOW', 'HPE_INVALID_CONSTANT'].map(
      (code) => ({
        name: `undici ${code}`,
        input: coded(code),
        type: ConnectionError,
        code: 'CONNECTION_ERROR',
        retryable: true,
      }),
    ),
    {
      // What undici 7 throws for a control character in a header: no code, only its name.
      name: "a response undici's parser cannot read (HTTPParserError without a code)",
      input: new errors.HTTPParserError(
        'Response does not match the HTTP/1.1 protocol (Invalid header value char)',
      ),
      type: ConnectionError,
      code: 'CONNECTION_ERROR',
      retryable: true,
      message: /request to files\.example\.com:8443 failed: Response does not match/,
    },
    {
      name: 'UND_ERR_ABORT (undici AbortError)',
      input: coded('UND_ERR_ABORT'),
      type: AbortedError,
      code: 'ABORTED',
      retryable: false,
    },
    {
      name: 'a proxy TLS failure caused by a reset',
      input: Object.assign(coded('UND_ERR_PRX_TLS'), { cause: coded('ECONNRESET') }),
      type: ConnectionError,
      code: 'CONNECTION_RESET',
      retryable: true,
    },
    {
      name: 'a proxy TLS failure with no recognised cause',
      input: Object.assign(coded('UND_ERR_PRX_TLS'), { cause: new Error('handshake') }),
      type: ConnectionError,
      code: 'TLS_ERROR',
      retryable: false,
    },
    // Regression: anything unrecognised was CONNECTION_ERROR, and retried as a network error.
    {
      name: 'regression: a TypeError from a body loop is INTERNAL_ERROR, not a retried network error',
      input: new TypeError("Cannot read properties of undefined (reading 'length')"),
      type: InternalError,
      code: 'INTERNAL_ERROR',
      retryable: false,
      message: /TypeError: Cannot read properties/,
    },
    // undici's codes for a misuse of undici, or for parts of it this client does not use.
    ...[
      'UND_ERR',
      'UND_ERR_INVALID_ARG',
      'UND_ERR_INVALID_RETURN_VALUE',
      'UND_ERR_NOT_SUPPORTED',
      'UND_ERR_BPL_MISSING_UPSTREAM',
      'UND_ERR_MAX_ORIGINS_REACHED',
      'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
      'UND_ERR_REQ_RETRY',
      'UND_ERR_RESPONSE',
      'UND_ERR_RES_EXCEEDED_MAX_SIZE',
      'UND_ERR_WS_MESSAGE_SIZE_EXCEEDED',
      'UND_ERR_SOCKS5',
    ].map((code) => ({
      name: `undici ${code} is internal`,
      input: coded(code),
      type: InternalError,
      code: 'INTERNAL_ERROR',
      retryable: false,
    })),
    {
      name: 'unknown code',
      input: coded('EWEIRD', 'something odd'),
      type: InternalError,
      code: 'INTERNAL_ERROR',
      retryable: false,
      message: /unexpected failure for https:\/\/files\.example\.com:8443\/a\.bin: Error: something odd/,
    },
    {
      name: 'no code at all',
      input: new Error('plain'),
      type: InternalError,
      code: 'INTERNAL_ERROR',
      retryable: false,
      message: /plain/,
    },
    { name: 'a thrown string', input: 'boom', type: InternalError, code: 'INTERNAL_ERROR', retryable: false },
    { name: 'undefined', input: undefined, type: InternalError, code: 'INTERNAL_ERROR', retryable: false },
    {
      name: 'cause without a code',
      input: Object.assign(new Error('x'), { cause: new Error('y') }),
      type: InternalError,
      code: 'INTERNAL_ERROR',
      retryable: false,
    },
    // Regression: a non-string `code` once made toTransportError throw a TypeError.
    { name: 'numeric code', input: coded(42), type: InternalError, code: 'INTERNAL_ERROR', retryable: false },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const out = toTransportError(c.input, URL_, TIMEOUTS);
      assert.ok(out instanceof c.type, `${out.constructor.name} is not a ${c.type.name}`);
      assert.equal(out.code, c.code);
      assert.equal(out.retryable, c.retryable);
      if (c.message) assert.match(out.message, c.message);
    });
  }

  test('keeps the original error as cause', () => {
    const original = coded('ECONNRESET');
    assert.equal(toTransportError(original, URL_, TIMEOUTS).cause, original);
    const bug = new TypeError('x is not a function');
    assert.equal(toTransportError(bug, URL_, TIMEOUTS).cause, bug);
  });

  test('passes a ParafetchError through unchanged', () => {
    const original = new HttpStatusError(503, URL_);
    assert.equal(toTransportError(original, URL_, TIMEOUTS), original);
  });

  // Regression: AbortSignal.timeout()'s DOMException has a numeric `code` (23) and once threw.
  test('DOMException TimeoutError from AbortSignal.timeout() is mapped, not thrown', () => {
    const out = toTransportError(
      new DOMException('The operation timed out.', 'TimeoutError'),
      URL_,
      TIMEOUTS,
    );
    assert.ok(out instanceof ParafetchError);
  });
});
