import { ParafetchError } from './base.js';

export type ConnectionCode =
  'CONNECTION_RESET' | 'CONNECTION_REFUSED' | 'CONNECTION_ERROR' | 'DNS_ERROR' | 'TLS_ERROR';

/** The connection failed or broke: refused, reset, closed early, DNS or TLS failure. */
export class ConnectionError extends ParafetchError {
  constructor(code: ConnectionCode, message: string, cause?: unknown) {
    // A certificate that fails verification will fail again; everything else may recover.
    super(code, message, { cause, retryable: code !== 'TLS_ERROR' });
  }
}
