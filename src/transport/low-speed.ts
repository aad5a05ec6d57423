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

/**
 * Wraps one request's handler (undici's handler interface, as `request()` makes it): counts the
 * body's bytes and, at the end of every window of `seconds` after the response headers, aborts
 * the request with a LowSpeedError when fewer than `bytesPerSecond * seconds` arrived. A window
 * in which our own reader held the body back (backpressure: a slow disk) is not judged. Costs an
 * addition per chunk and one timer per request.
 */
class LowSpeedHandler implements Handler {
  readonly #inner: Handler;
  readonly #limit: LowSpeedLimit;
  readonly #url: string;
  #abort: ((err?: Error) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #bytes = 0;
  #paused = false;
  #pausedInWindow = false;

  constructor(inner: Handler, limit: LowSpeedLimit, url: string) {
    this.#inner = inner;
    this.#limit = limit;
    this.#url = url;
  }

  onConnect(abort: (err?: Error) => void, context?: unknown): void {
    this.#abort = abort;
    (this.#inner.onConnect as (abort: (err?: Error) => void, context?: unknown) => void)?.(abort, context);
  }

  onResponseStarted(): void {
    this.#inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.#timer === undefined && statusCode >= 200) {
      this.#timer = setInterval(this.#check, this.#limit.seconds * 1000).unref();
    }
    const onResume = () => {
      this.#paused = false;
      resume();
    };
    const more = this.#inner.onHeaders?.(statusCode, headers, onResume, statusText) ?? true;
    if (more === false) this.#pause();
    return more;
  }

  onData(chunk: Buffer): boolean {
    this.#bytes += chunk.length;
    const more = this.#inner.onData?.(chunk) ?? true;
    if (more === false) this.#pause();
    return more;
  }

  onComplete(trailers: string[] | null): void {
    this.#stop();
    this.#inner.onComplete?.(trailers);
  }

  onError(err: Error): void {
    this.#stop();
    this.#inner.onError?.(err);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void {
    this.#stop();
    this.#inner.onUpgrade?.(statusCode, headers, socket);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.#inner.onBodySent?.(chunkSize, totalBytesSent);
  }

  #pause(): void {
    this.#paused = true;
    this.#pausedInWindow = true;
  }

  #stop(): void {
    clearInterval(this.#timer);
  }

  readonly #check = (): void => {
    const { bytesPerSecond, seconds } = this.#limit;
    const judged = !this.#pausedInWindow;
    const slow = this.#bytes < bytesPerSecond * seconds;
    this.#bytes = 0;
    this.#pausedInWindow = this.#paused;
    if (judged && slow) {
      this.#stop();
      this.#abort?.(new LowSpeedError(bytesPerSecond, seconds, this.#url));
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
