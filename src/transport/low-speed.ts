import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { LowSpeedError } from '../errors/index.js';
import { requestUrl } from './headers.js';

/** A body slower than `bytesPerSecond` over `seconds` fails with LOW_SPEED; 0 bytes/s disables it. */
export interface LowSpeedLimit {
  bytesPerSecond: number;
  seconds: number;
}

type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;

/**
 * Wraps one request's handler (undici 7's controller interface): counts the body's bytes and,
 * at the end of every window of `seconds` after the response headers, aborts the request with a
 * LowSpeedError when fewer than `bytesPerSecond * seconds` arrived. A window in which our own
 * reader held the body back (the controller paused: backpressure from a slow disk) is not
 * judged. Costs an addition per chunk and one timer per request.
 */
class LowSpeedHandler implements Handler {
  readonly #inner: Handler;
  readonly #limit: LowSpeedLimit;
  readonly #url: string;
  #controller: Controller | undefined;
  #timer: NodeJS.Timeout | undefined;
  #bytes = 0;
  #pausedInWindow = false;

  constructor(inner: Handler, limit: LowSpeedLimit, url: string) {
    this.#inner = inner;
    this.#limit = limit;
    this.#url = url;
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.#controller = controller;
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    this.#stop();
    this.#inner.onRequestUpgrade?.(controller, status, headers, socket);
  }

  onResponseStart(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    message?: string,
  ): void {
    this.#controller = controller;
    if (this.#timer === undefined && status >= 200) {
      this.#timer = setInterval(this.#check, this.#limit.seconds * 1000).unref();
    }
    this.#inner.onResponseStart?.(controller, status, headers, message);
    if (controller.paused) this.#pausedInWindow = true;
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#bytes += chunk.length;
    this.#inner.onResponseData?.(controller, chunk);
    if (controller.paused) this.#pausedInWindow = true;
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.#stop();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, err: Error): void {
    this.#stop();
    this.#inner.onResponseError?.(controller, err);
  }

  #stop(): void {
    clearInterval(this.#timer);
  }

  readonly #check = (): void => {
    const { bytesPerSecond, seconds } = this.#limit;
    const judged = !this.#pausedInWindow;
    const slow = this.#bytes < bytesPerSecond * seconds;
    this.#bytes = 0;
    // A window that starts paused is not judged either.
    this.#pausedInWindow = this.#controller?.paused === true;
    if (judged && slow) {
      this.#stop();
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
