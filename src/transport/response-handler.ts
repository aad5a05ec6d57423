import type { Dispatcher } from 'undici';
import type { ParafetchError } from '../errors/index.js';
import type { ByteBudget } from './byte-budget.js';
import type { ExchangeClock } from './exchange-times.js';
import { contentLength, type Headers } from './headers.js';
import { ResponseBody } from './response-body.js';

/** A response's head, and its body to consume. */
export interface ResponseHead {
  status: number;
  headers: Headers;
  body: ResponseBody;
}

/**
 * One request's undici handler (undici 7's controller interface): resolves `onHead` with the
 * final response head and hands every body chunk to that response's ResponseBody, as the
 * parser produces it. Informational (1xx) responses are skipped. `signal` aborts the request
 * before its head, and fails its body after. `budgets` pace the body (see ResponseBody).
 */
export class ResponseHandler implements Dispatcher.DispatchHandler {
  readonly #onHead: (head: ResponseHead) => void;
  readonly #onError: (err: ParafetchError) => void;
  readonly #asError: (err: unknown) => ParafetchError;
  readonly #signal: AbortSignal | undefined;
  readonly #budgets: readonly ByteBudget[];
  #controller: Dispatcher.DispatchController | undefined;
  #body: ResponseBody | undefined;
  #settled = false;
  /** Called once when the exchange is over: its body ended, failed or was let go, or it failed before. */
  #done: (() => void) | undefined;
  /** Told when a socket carries the request, when its head arrives and when it is over. */
  readonly #clock: ExchangeClock | undefined;

  constructor(
    onHead: (head: ResponseHead) => void,
    onError: (err: ParafetchError) => void,
    asError: (err: unknown) => ParafetchError,
    signal: AbortSignal | undefined,
    done?: () => void,
    budgets: readonly ByteBudget[] = [],
    clock?: ExchangeClock,
  ) {
    this.#budgets = budgets;
    this.#clock = clock;
    this.#onHead = onHead;
    this.#onError = onError;
    this.#asError = asError;
    this.#signal = signal;
    this.#done = done;
    signal?.addEventListener('abort', this.#onAbort);
  }

  readonly #onAbort = (): void => {
    const reason: unknown =
      this.#signal!.reason ?? new DOMException('This operation was aborted', 'AbortError');
    if (this.#body) this.#body.destroy(reason);
    else this.#controller?.abort(reason as Error);
  };

  #forget(): void {
    this.#clock?.over();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const done = this.#done;
    this.#done = undefined;
    done?.();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.#clock?.onSocket();
    if (this.#signal?.aborted) this.#onAbort();
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Headers): void {
    if (status < 200 || this.#settled) return;
    this.#settled = true;
    this.#clock?.head();
    this.#body = new ResponseBody(
      controller,
      contentLength(headers),
      this.#asError,
      () => this.#forget(),
      this.#budgets,
    );
    this.#onHead({ status, headers, body: this.#body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#body!.push(chunk);
  }

  onResponseEnd(): void {
    this.#body?.end();
    this.#forget();
  }

  onResponseError(_controller: unknown, err: Error): void {
    this.#forget();
    if (this.#body) return this.#body.fail(err);
    if (this.#settled) return;
    this.#settled = true;
    this.#onError(this.#asError(err));
  }
}
