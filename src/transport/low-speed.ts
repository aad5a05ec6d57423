import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { LowSpeedError } from '../errors/index.js';
import { requestUrl } from './headers.js';
import { WrappingHandler, type Controller, type Handler } from './wrapping-handler.js';

/** A body slower than `bytesPerSecond` over `seconds` fails with LOW_SPEED; 0 bytes/s disables it. */
export interface LowSpeedLimit {
  bytesPerSecond: number;
  seconds: number;
}

/**
 * Wraps one request's handler: counts the body's bytes and, at the end of every window of
 * `seconds` after the response headers, aborts the request with a LowSpeedError when fewer than
 * `bytesPerSecond * seconds` arrived. A window in which our own reader held the body back (the
 * controller paused: backpressure from a slow disk) is not judged. Costs an addition per chunk
 * and one timer per request.
 */
class LowSpeedHandler extends WrappingHandler {
  readonly #limit: LowSpeedLimit;
  readonly #url: string;
  #controller: Controller | undefined;
  #timer: NodeJS.Timeout | undefined;
  #bytes = 0;
  #pausedInWindow = false;

  constructor(inner: Handler, limit: LowSpeedLimit, url: string) {
    super(inner);
    this.#limit = limit;
    this.#url = url;
  }

  protected override stopped(): void {
    clearInterval(this.#timer);
  }

  override onRequestStart(controller: Controller, context: unknown): void {
    this.#controller = controller;
    super.onRequestStart(controller, context);
  }

  override onResponseStart(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    message?: string,
  ): void {
    this.#controller = controller;
    if (this.#timer === undefined && status >= 200) {
      this.#timer = setInterval(this.#check, this.#limit.seconds * 1000).unref();
    }
    super.onResponseStart(controller, status, headers, message);
    if (controller.paused) this.#pausedInWindow = true;
  }

  override onResponseData(controller: Controller, chunk: Buffer): void {
    this.#bytes += chunk.length;
    super.onResponseData(controller, chunk);
    if (controller.paused) this.#pausedInWindow = true;
  }

  readonly #check = (): void => {
    const { bytesPerSecond, seconds } = this.#limit;
    const judged = !this.#pausedInWindow;
    const slow = this.#bytes < bytesPerSecond * seconds;
    this.#bytes = 0;
    // A window that starts paused is not judged either.
    this.#pausedInWindow = this.#controller?.paused === true;
    if (judged && slow) {
      this.stopped();
      this.#controller?.abort(new LowSpeedError(bytesPerSecond, seconds, this.#url));
    }
  };
}

/** An undici interceptor: every request under the low-speed limit (none when 0 bytes/s). */
export function lowSpeed(limit: LowSpeedLimit): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) =>
    limit.bytesPerSecond <= 0
      ? dispatch
      : (options, handler) => dispatch(options, new LowSpeedHandler(handler, limit, requestUrl(options)));
}
