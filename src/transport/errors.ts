import {
  AbortedError,
  ConnectionError,
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

export interface TimeoutsMs {
  connect: number;
  headers: number;
  stall: number;
}

/** Maps whatever undici or the socket threw into a ParafetchError with a stable code. */
export function toTransportError(err: unknown, url: string, timeouts: TimeoutsMs): ParafetchError {
  if (err instanceof ParafetchError) return err;
  const e = err as
    { code?: unknown; name?: string; message?: string; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const timeout = (phase: TimeoutPhase) => new TimeoutError(phase, timeouts[phase], url, err);

  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return timeout('connect');
    case 'UND_ERR_HEADERS_TIMEOUT':
      return timeout('headers');
    case 'UND_ERR_BODY_TIMEOUT':
      return timeout('stall');
    case 'UND_ERR_ABORTED':
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
      return new ConnectionError(
        'CONNECTION_RESET',
        `connection to ${hostOf(url)} broke: ${e?.message}`,
        err,
      );
  }
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return new AbortedError(url, err);
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
    return new ConnectionError('TLS_ERROR', `TLS failure with ${hostOf(url)}: ${e?.message}`, err);
  }
  if (typeof e?.cause?.code === 'string') return toTransportError(e.cause, url, timeouts);
  return new ConnectionError(
    'CONNECTION_ERROR',
    `request to ${hostOf(url)} failed: ${e?.message ?? err}`,
    err,
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
