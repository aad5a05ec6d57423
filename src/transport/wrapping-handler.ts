import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';

export type Handler = Dispatcher.DispatchHandler;
export type Controller = Dispatcher.DispatchController;

/**
 * A request's handler wrapped by an interceptor (undici 7's controller interface): every call
 * goes on to the inner handler; a subclass overrides the calls it watches, calling `super`, and
 * `stopped` once the request is over (upgraded, ended or failed).
 */
export class WrappingHandler implements Handler {
  readonly #inner: Handler;

  constructor(inner: Handler) {
    this.#inner = inner;
  }

  /** The request is over: whatever the wrapper keeps running stops. */
  protected stopped(): void {}

  onRequestStart(controller: Controller, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    this.stopped();
    this.#inner.onRequestUpgrade?.(controller, status, headers, socket);
  }

  onResponseStart(
    controller: Controller,
    status: number,
    headers: IncomingHttpHeaders,
    message?: string,
  ): void {
    this.#inner.onResponseStart?.(controller, status, headers, message);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.stopped();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, err: Error): void {
    this.stopped();
    this.#inner.onResponseError?.(controller, err);
  }
}
