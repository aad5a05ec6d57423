import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { TimeoutError } from '../errors/index.js';
import { requestUrl } from './headers.js';

type Handler = Dispatcher.DispatchHandler;

/**
 * Wraps one request's handler (undici's handler interface, as `request()` makes it): from the
 * moment the request is written on a connection, its final response headers (a status of 200 or
 * more) must arrive within `ms`, or the request is aborted with HEADERS_TIMEOUT. undici's own
 * headers timeout is renewed by every byte read, so a server sending informational (1xx)
 * responses for ever, or one header line at a time, would otherwise hold the request for ever.
 */
class HeadersDeadlineHandler implements Handler {
  readonly #inner: Handler;
  readonly #ms: number;
  readonly #url: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(inner: Handler, ms: number, url: string) {
    this.#inner = inner;
    this.#ms = ms;
    this.#url = url;
  }

  onConnect(abort: (err?: Error) => void, context?: unknown): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => abort(new TimeoutError('headers', this.#ms, this.#url)), this.#ms).unref();
    (this.#inner.onConnect as (abort: (err?: Error) => void, context?: unknown) => void)?.(abort, context);
  }

  onResponseStarted(): void {
    this.#inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode >= 200) clearTimeout(this.#timer);
    return this.#inner.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.#inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    clearTimeout(this.#timer);
    this.#inner.onComplete?.(trailers);
  }

  onError(err: Error): void {
    clearTimeout(this.#timer);
    this.#inner.onError?.(err);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void {
    clearTimeout(this.#timer);
    this.#inner.onUpgrade?.(statusCode, headers, socket);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.#inner.onBodySent?.(chunkSize, totalBytesSent);
  }
}

/** An undici interceptor: every request under a deadline of `ms` for its final response headers. */
export function headersDeadline(ms: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) =>
    dispatch(options, new HeadersDeadlineHandler(handler, ms, requestUrl(options)));
}
