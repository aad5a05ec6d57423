import { Client, Pool, type buildConnector, type Dispatcher } from 'undici';
import { guardedFactory, guardResets } from './connector.js';

type Connector = buildConnector.connector;
type Socket = NonNullable<Parameters<buildConnector.Callback>[1]>;

/**
 * The pool factory when HTTP/2 is allowed: for an https origin, a pool whose connections each
 * carry, once TLS has chosen HTTP/2 (ALPN `h2`), as many streams at once as the pool has
 * connections; one that chose HTTP/1.1 carries one request at a time, as without HTTP/2.
 *
 * undici 7 caps the streams of an HTTP/2 connection by its HTTP/1.1 `pipelining` (1 here), so
 * that an HTTP/2 connection would carry one request at a time (nodejs/undici#4143, fixed in
 * undici 8); raising `pipelining` for every connection would pipeline HTTP/1.1 ones too. Here
 * it is raised only on a connection that speaks HTTP/2, from the moment TLS says so. The run
 * never has more requests to an origin at once than its per-host limit, so the streams to an
 * origin stay under that limit however many connections a burst of first requests opened
 * (each request starts its own connection until one has said it speaks HTTP/2).
 */
export function multiplexingFactory(
  /** Told the origin of each connection that chose HTTP/2. */
  onH2: (origin: string) => void = () => {},
): (origin: string | URL, options: object) => Dispatcher {
  return (origin, options) => multiplexingPool(origin, options, onH2);
}

function multiplexingPool(origin: string | URL, options: object, onH2: (origin: string) => void): Dispatcher {
  const o = options as { connect?: unknown; connections?: number | null };
  if (typeof o.connect !== 'function' || new URL(String(origin)).protocol !== 'https:') {
    return guardedFactory(origin, options);
  }
  const streams = Math.max(1, o.connections ?? 1);
  return new Pool(origin, {
    ...options,
    connect: guardResets(o.connect as Connector),
    factory: (url: string | URL, clientOptions: object) => {
      const connect = (clientOptions as { connect: Connector }).connect;
      const client: Client = new Client(url, {
        ...clientOptions,
        connect: (co, callback) =>
          connect(co, (err, socket) => {
            // Before undici sets the connection up: its first requests go as streams at once.
            if ((socket as { alpnProtocol?: unknown } | null)?.alpnProtocol === 'h2') {
              client.pipelining = streams;
              onH2(new URL(String(origin)).origin);
            }
            (callback as (err: Error | null, socket: Socket | null) => void)(err, socket);
          }),
      });
      return client;
    },
  });
}
