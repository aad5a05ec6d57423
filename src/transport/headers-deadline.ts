import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { TimeoutError } from '../errors/index.js';
import { requestUrl } from './headers.js';

type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;

/**
 * Wraps one request's handler (undici 7's controller interface): from the moment the request is
 * written on a connection, its final response headers (a status of 200 or more) must arrive
 * within `ms`, or the request is aborted with HEADERS_TIMEOUT. undici's own headers timeout is
 * renewed by every byte read, so a server sending informational (1xx) responses for ever, or one
 * header line at a time, would otherwise hold the request for ever.
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

  onRequestStart(controller: Controller, context: unknown): void {
    clearTimeout(this.#timer);
    const expire = () => controller.abort(new TimeoutError('headers', this.#ms, this.#url));
    this.#timer = setTimeout(expire, this.#ms).unref();
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    clearTimeout(this.#timer);
    this.#inner.onRequestUpgrade?.(controller, status, headers, socket);
  }

  onResponseStart(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    message?: string,
  ): void {
    if (status >= 200) clearTimeout(this.#timer);
    this.#inner.onResponseStart?.(controller, status, headers, message);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    clearTimeout(this.#timer);
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, err: Error): void {
    clearTimeout(this.#timer);
    this.#inner.onResponseError?.(controller, err);
  }
}

/** An undici interceptor: every request under a deadline of `ms` for its final response headers. */
export function headersDeadline(ms: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) =>
    dispatch(options, new HeadersDeadlineHandler(handler, ms, requestUrl(options)));
}
