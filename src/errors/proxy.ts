import { ParafetchError } from './base.js';

export type ProxyCode = 'PROXY_AUTH_REQUIRED' | 'PROXY_REFUSED' | 'PROXY_ERROR';

/**
 * The proxy, not the origin, failed: it asked for credentials (407), refused the connection, or
 * answered the tunnel with an error. The message names the proxy without its credentials.
 */
export class ProxyError extends ParafetchError {
  /** The proxy's origin, credentials removed. */
  readonly proxy: string;

  constructor(code: ProxyCode, proxy: string, message: string, cause?: unknown) {
    // Credentials the proxy refused stay refused; a proxy that is down may come back.
    super(code, message, { cause, retryable: code !== 'PROXY_AUTH_REQUIRED' });
    this.proxy = proxy;
  }
}
