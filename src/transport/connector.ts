import { Client, Pool, type buildConnector, type Dispatcher } from 'undici';

/**
 * The code a connection reset carries once it has passed through `guardResets`. undici's
 * HTTP/1 client takes an `ECONNRESET` during a body delimited by the connection's close (no
 * Content-Length, not chunked) for the end of that body, so half a file would count as
 * complete; under this code it is the error it is. A clean close (FIN) still ends such a body.
 */
export const RESET_IN_RESPONSE = 'ECONNRESET_IN_RESPONSE';

type Connector = buildConnector.connector;
type Socket = NonNullable<Parameters<buildConnector.Callback>[1]>;

function markReset(err: NodeJS.ErrnoException): void {
  if (err?.code === 'ECONNRESET') err.code = RESET_IN_RESPONSE;
}

interface Parser {
  paused: boolean;
}

/** undici's HTTP/1 parser of a socket, if it is there and has the shape this module relies on. */
function parserOf(socket: Socket): Parser | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'parser');
  const parser = key === undefined ? undefined : (socket as unknown as Record<symbol, unknown>)[key];
  const p = parser as Partial<Parser> | null | undefined;
  return p && typeof p.paused === 'boolean' ? (p as Parser) : undefined;
}

/** Calls `then` (on a later turn) once the parser's `paused` is set to false. */
function whenUnpaused(parser: Parser, then: () => void): void {
  let paused = parser.paused;
  Object.defineProperty(parser, 'paused', {
    configurable: true,
    enumerable: true,
    get: () => paused,
    set: (value: boolean) => {
      paused = value;
      if (value) return;
      Object.defineProperty(parser, 'paused', {
        value,
        writable: true,
        configurable: true,
        enumerable: true,
      });
      // Not from inside the reader's call that resumed the parser.
      setImmediate(then);
    },
  });
}

/**
 * Holds a socket's 'end' while undici's parser is paused by a reader that is behind, and lets it
 * through once the parser resumes. undici 7 asserts, from the 'end' listener, that the parser is
 * not paused: a clean close arriving while a body waits for a slow disk would crash the process
 * with an uncatchable AssertionError (fixed upstream in undici 8, nodejs/undici#5360).
 */
function holdEndWhilePaused(socket: Socket): void {
  // Node would otherwise end, then destroy, a socket whose 'end' it has emitted, held or not;
  // undici closes the socket itself once it sees the 'end'.
  socket.allowHalfOpen = true;
  const emit = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  const emitEnd = (): void => {
    // A socket destroyed meanwhile (its body let go) emits no 'end', as Node's own streams do:
    // undici learns from its 'close'.
    if (socket.destroyed) return;
    const parser = parserOf(socket);
    if (parser?.paused === true) whenUnpaused(parser, emitEnd);
    else emit.call(socket, 'end');
  };
  socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'end') return emit.call(this, event, ...args);
    emitEnd();
    return true;
  } as Socket['emit'];
}

/**
 * Wraps a connector so that every socket it makes reports a reset as an error, never as an end,
 * and never hands undici a clean close while its parser is paused.
 */
export function guardResets(connect: Connector): Connector {
  return (options, callback) =>
    connect(options, (err, socket) => {
      if (socket) {
        // Runs before undici's own listener, which it precedes on the socket.
        socket.prependListener('error', markReset);
        holdEndWhilePaused(socket);
      }
      // undici's callback is typed as a union of its two shapes; one call fits both.
      (callback as (err: Error | null, socket: Socket | null) => void)(err, socket);
    });
}

/**
 * The pool factory for every agent: undici's own choice (a Client for one connection, a Pool
 * otherwise), with the connector guarded. It also receives the connector a proxy agent uses to
 * open its tunnels, so a tunnelled connection is guarded too.
 */
export function guardedFactory(origin: string | URL, options: object): Dispatcher {
  const o = options as { connect?: unknown; connections?: number | null };
  const opts =
    typeof o.connect === 'function' ? { ...options, connect: guardResets(o.connect as Connector) } : options;
  return o.connections === 1 ? new Client(origin, opts) : new Pool(origin, opts);
}
