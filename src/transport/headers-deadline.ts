import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { TimeoutError } from '../errors/index.js';
import { requestUrl } from './headers.js';
import { WrappingHandler, type Controller, type Handler } from './wrapping-handler.js';

/**
 * Wraps one request's handler: from the moment the request is written on a connection, its
 * final response headers (a status of 200 or more) must arrive within `ms`, or the request is
 * aborted with HEADERS_TIMEOUT. undici's own headers timeout is renewed by every byte read, so a
 * server sending informational (1xx) responses for ever, or one header line at a time, would
 * otherwise hold the request for ever.
 */
class HeadersDeadlineHandler extends WrappingHandler {
  readonly #ms: number;
  readonly #url: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(inner: Handler, ms: number, url: string) {
    super(inner);
    this.#ms = ms;
    this.#url = url;
  }

  protected override stopped(): void {
    clearTimeout(this.#timer);
  }

  override onRequestStart(controller: Controller, context: unknown): void {
    clearTimeout(this.#timer);
    const expire = () => controller.abort(new TimeoutError('headers', this.#ms, this.#url));
    this.#timer = setTimeout(expire, this.#ms).unref();
    super.onRequestStart(controller, context);
  }

  override onResponseStart(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    message?: string,
  ): void {
    if (status >= 200) clearTimeout(this.#timer);
    super.onResponseStart(controller, status, headers, message);
  }
}

/** An undici interceptor: every request under a deadline of `ms` for its final response headers. */
export function headersDeadline(ms: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) =>
    dispatch(options, new HeadersDeadlineHandler(handler, ms, requestUrl(options)));
}
