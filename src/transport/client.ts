import { Agent, EnvHttpProxyAgent, ProxyAgent, buildConnector, type Dispatcher } from 'undici';
import { TokenBucket, type ByteBudget } from './byte-budget.js';
import { guardedFactory } from './connector.js';
import { toTransportError, type TimeoutsMs } from './errors.js';
import type { ParafetchError } from '../errors/index.js';
import { ExchangeClock, type ExchangeTimes } from './exchange-times.js';
import { headersDeadline } from './headers-deadline.js';
import type { HostLease } from './host-lease.js';
import { lowSpeed, type LowSpeedLimit } from './low-speed.js';
import { multiplexingFactory } from './multiplexing.js';
import { OriginPools } from './origin-pools.js';
import { resolveProxies, type ProxySettings } from './proxy-settings.js';
import { proxyTunnelClient } from './proxy-tunnel.js';
import type { ResponseBody } from './response-body.js';
import { ResponseHandler, type ResponseHead } from './response-handler.js';

export interface ClientOptions {
  /** Connections at once to one origin. */
  perHost: number;
  timeouts: TimeoutsMs;
  insecure: boolean;
  ca: ReadonlyArray<string | Buffer> | undefined;
  /** `'env'`, `'none'` or a proxy URL; read only when `proxies` is not given. */
  proxy: string;
  /** The proxies, already resolved and validated (normalized options carry them). */
  proxies?: ProxySettings | undefined;
  /** A body slower than this fails with LOW_SPEED (default: none). */
  lowSpeed?: LowSpeedLimit | undefined;
  /** Connections at once to `origin` when fewer than `perHost` (its share of several clients). */
  connectionsFor?: ((origin: string) => number) | undefined;
  /** Leases shared with other processes, one per request (a cluster's per-host limit). */
  hostLease?: HostLease | undefined;
  /** Bytes per second of every body together (0 or absent: no limit); read when `budget` is not given. */
  limitRate?: number | undefined;
  /** What paces every body of this client, when shared with other clients (another thread's). */
  budget?: ByteBudget | undefined;
  /** Offer HTTP/2 to https origins (ALPN); each connection that takes it carries several requests. */
  http2?: boolean | undefined;
}

export interface HttpResponse {
  url: URL;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body, delivered chunk by chunk; must be consumed, dumped or destroyed. */
  body: ResponseBody;
}

export interface RequestInit {
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Paces this response's body besides the client's own budget (a file's rate limit). */
  budget?: ByteBudget | undefined;
  /** Where this request's phases are added (see ExchangeTimes); none when absent. */
  times?: ExchangeTimes | undefined;
}

/**
 * The undici dispatcher for these options: direct, through one proxy, or by scheme and NO_PROXY.
 * HTTP/2 is offered only on direct connections (`http2`, decided by the caller).
 */
function createDispatcher(
  options: ClientOptions,
  proxies: ProxySettings,
  http2: boolean,
  pools: OriginPools,
): Dispatcher {
  const tls = {
    timeout: options.timeouts.connect,
    rejectUnauthorized: !options.insecure,
    ...(options.ca ? { ca: options.ca as (string | Buffer)[] } : {}),
    ...(http2 ? { allowH2: true } : {}),
  };
  const agentOptions = {
    connections: options.perHost,
    pipelining: 1,
    ...(http2 ? { allowH2: true } : {}),
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: options.timeouts.headers,
    bodyTimeout: options.timeouts.stall,
    // A function, so that the factory can guard it (a proxy agent replaces it by its tunnel).
    connect: buildConnector(tls),
    factory: pools.factory,
  };
  if (proxies.http === undefined && proxies.https === undefined) return new Agent(agentOptions);
  const proxyOptions = {
    ...agentOptions,
    requestTls: tls,
    proxyTls: tls,
    clientFactory: proxyTunnelClient,
  };
  if (proxies.http === proxies.https && proxies.noProxy === '') {
    return new ProxyAgent({ ...proxyOptions, uri: proxies.http! });
  }
  // '' (not undefined) keeps undici from reading the environment again.
  return new EnvHttpProxyAgent({
    ...proxyOptions,
    httpProxy: proxies.http ?? '',
    httpsProxy: proxies.https ?? '',
    noProxy: proxies.noProxy,
  });
}

/** Whether no proxy is set: every connection is direct. */
function direct(proxies: ProxySettings): boolean {
  return proxies.http === undefined && proxies.https === undefined;
}

/**
 * Keeps one connection pool per origin (undici's Agent), never more than `perHost` connections
 * each, kept alive between requests. Follows no redirects: that is policy, decided above.
 * Every body is paced by the client's budget (the run's rate limit), when it has one.
 */
export class HttpClient {
  readonly #dispatcher: Dispatcher;
  readonly #pools: OriginPools;
  readonly #timeouts: TimeoutsMs;
  readonly #lease: HostLease | undefined;
  /** Origins a connection of which chose HTTP/2. */
  readonly #h2 = new Set<string>();
  /** What paces every body, if anything does. */
  readonly budget: ByteBudget | undefined;

  constructor(options: ClientOptions) {
    this.#timeouts = options.timeouts;
    this.#lease = options.hostLease;
    this.budget = options.budget ?? (options.limitRate ? new TokenBucket(options.limitRate) : undefined);
    const proxies = options.proxies ?? resolveProxies(options.proxy);
    const http2 = options.http2 === true && direct(proxies);
    this.#pools = new OriginPools(
      http2 ? multiplexingFactory((origin) => this.#h2.add(origin)) : guardedFactory,
      options.connectionsFor,
    );
    const base = createDispatcher(options, proxies, http2, this.#pools).compose(
      headersDeadline(options.timeouts.headers),
    );
    this.#dispatcher = options.lowSpeed ? base.compose(lowSpeed(options.lowSpeed)) : base;
  }

  /**
   * One request, no redirects followed: resolves at the final response head, with its body
   * still arriving. Rejects with a ParafetchError.
   */
  /**
   * Whether `origin` speaks HTTP/2 to this client: its requests are streams of one connection,
   * so a file cut into ranges gains nothing and pays for every range (measured: 0.30× on W9b).
   */
  multiplexes(origin: string): boolean {
    return this.#h2.has(origin);
  }

  request(url: URL, init: RequestInit): Promise<HttpResponse> {
    const asError = (err: unknown) => toTransportError(err, url.href, this.#timeouts);
    if (init.signal?.aborted) return Promise.reject(asError(init.signal.reason));
    const lease = this.#lease;
    if (!lease) return this.#send(url, init, asError, undefined);
    return lease.acquire(url.origin, init.signal).then(
      (release) => this.#send(url, init, asError, release),
      (err: unknown) => Promise.reject(asError(err)),
    );
  }

  #send(
    url: URL,
    init: RequestInit,
    asError: (err: unknown) => ParafetchError,
    release: (() => void) | undefined,
  ): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const onHead = ({ status, headers, body }: ResponseHead) => {
        const retryAfter = status === 429 || status === 503 ? headers['retry-after'] : undefined;
        if (typeof retryAfter === 'string') this.#lease?.refused(url.origin, retryAfter);
        resolve({ url, status, headers, body });
      };
      const budgets = [this.budget, init.budget].filter((b) => b !== undefined);
      const clock = init.times && new ExchangeClock(init.times);
      const handler = new ResponseHandler(onHead, reject, asError, init.signal, release, budgets, clock);
      const options = { origin: url.origin, path: url.pathname + url.search, method: 'GET' as const };
      try {
        this.#dispatcher.dispatch({ ...options, headers: init.headers }, handler);
      } catch (err) {
        handler.onResponseError(undefined, err as Error);
      }
    });
  }

  /** Maps an error raised while reading a body. */
  bodyError(err: unknown, url: URL) {
    return toTransportError(err, url.href, this.#timeouts);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
    await this.#pools.close();
  }

  async destroy(): Promise<void> {
    await this.#dispatcher.destroy();
    await this.#pools.destroy();
  }
}
