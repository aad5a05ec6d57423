import {
  AbortedError,
  ConnectionError,
  InternalError,
  ParafetchError,
  TimeoutError,
  type TimeoutPhase,
} from '../errors/index.js';
import { RESET_IN_RESPONSE } from './connector.js';

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
]);

/**
 * errno codes of a connection or a name lookup that have no code of their own here. (A reset,
 * a refusal and a failed lookup are mapped by name below.)
 */
const NETWORK_CODES = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EPROTO',
]);

/**
 * undici 7's codes for a connection that failed in a way with no code of its own here: the
 * dispatcher was destroyed under the request, undici closed the socket (UND_ERR_INFO: "reset",
 * "socket idle timeout"), the server's headers were too large. undici's other codes name a
 * misuse of undici or a part of it this client does not use (invalid argument, not supported,
 * retry/response interceptors, balanced pools, max origins, request bodies, WebSocket, SOCKS):
 * a bug, not the network.
 */
const UNDICI_NETWORK_CODES = new Set(['UND_ERR_DESTROYED', 'UND_ERR_INFO', 'UND_ERR_HEADERS_OVERFLOW']);

export interface TimeoutsMs {
  connect: number;
  headers: number;
  stall: number;
}

/**
 * Maps what undici or the socket threw into a ParafetchError with a stable code: only what it
 * recognises (errno codes of a connection, undici's codes, TLS codes, an abort) gets a network
 * code; anything else is a bug, an `InternalError` (not retried) that keeps it as its cause.
 */
export function toTransportError(err: unknown, url: string, timeouts: TimeoutsMs): ParafetchError {
  if (err instanceof ParafetchError) return err;
  return recognised(err, url, timeouts, 0) ?? new InternalError(url, err);
}

function recognised(
  err: unknown,
  url: string,
  timeouts: TimeoutsMs,
  depth: number,
): ParafetchError | undefined {
  const e = err as { code?: unknown; name?: unknown; message?: string; cause?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const timeout = (phase: TimeoutPhase) => new TimeoutError(phase, timeouts[phase], url, err);
  const reset = () =>
    new ConnectionError('CONNECTION_RESET', `connection to ${hostOf(url)} broke: ${e?.message}`, err);
  const failed = () =>
    new ConnectionError('CONNECTION_ERROR', `request to ${hostOf(url)} failed: ${e?.message}`, err);

  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return timeout('connect');
    case 'UND_ERR_HEADERS_TIMEOUT':
      return timeout('headers');
    case 'UND_ERR_BODY_TIMEOUT':
      return timeout('stall');
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_ABORT':
    case 'ABORT_ERR':
      return new AbortedError(url, err);
    case 'ECONNREFUSED':
      return new ConnectionError('CONNECTION_REFUSED', `connection refused by ${hostOf(url)}`, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new ConnectionError('DNS_ERROR', `cannot resolve ${hostOf(url)}`, err);
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case RESET_IN_RESPONSE:
    case 'EPIPE':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return reset();
  }
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return new AbortedError(url, err);
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
    return new ConnectionError('TLS_ERROR', `TLS failure with ${hostOf(url)}: ${e?.message}`, err);
  }
  // HPE_*: undici's HTTP parser could not read what the server sent. undici 7 names the parser's
  // error by number, never by code (a control character in a header, a bad chunk size): its name says it.
  if (
    NETWORK_CODES.has(code) ||
    UNDICI_NETWORK_CODES.has(code) ||
    code.startsWith('HPE_') ||
    e?.name === 'HTTPParserError'
  ) {
    return failed();
  }
  // A wrapper (`fetch failed`, a proxy's) whose cause says what happened.
  if (e?.cause !== undefined && e.cause !== err && depth < 4) {
    if (e.cause instanceof ParafetchError) return e.cause;
    const inner = recognised(e.cause, url, timeouts, depth + 1);
    if (inner) return inner;
  }
  if (code === 'UND_ERR_PRX_TLS') {
    return new ConnectionError(
      'TLS_ERROR',
      `TLS failure with the proxy for ${hostOf(url)}: ${e?.message}`,
      err,
    );
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
