import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');
export const TLS = {
  cert: readFileSync(path.join(fixtures, 'cert.pem')),
  key: readFileSync(path.join(fixtures, 'key.pem')),
};

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Which TCP connection carried it (1, 2, ...). */
  connection: number;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` (or https). */
  origin: string;
  url(path: string): string;
  requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Most connections open at the same moment (a connection counts until the client closes it). */
  peakOpen(): number;
  /** Connections open now. */
  open(): number;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest) => void;

/** A real HTTP(S) server on 127.0.0.1, port 0, that counts connections and records requests. */
export async function startServer(handler: Handler, options: { tls?: boolean } = {}): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const ids = new WeakMap<Socket, number>();
  let accepted = 0;
  let peak = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const seen: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      connection: ids.get(req.socket) ?? 0,
    };
    requests.push(seen);
    handler(req, res, seen);
  };
  const server = options.tls ? https.createServer(TLS, onRequest) : http.createServer(onRequest);
  server.keepAliveTimeout = 30_000;
  const onSocket = (socket: Socket) => {
    accepted++;
    ids.set(socket, accepted);
    sockets.add(socket);
    // Counted once the events the kernel gave with this connection are handled: a connection the
    // client reset just before opening this one may be reported after it, in the same batch.
    setImmediate(() => (peak = Math.max(peak, sockets.size)));
    // Gone once the client has closed its side (FIN) or reset it, not only when the server has closed too.
    socket.on('end', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    socket.on('close', () => sockets.delete(socket));
  };
  server.on(options.tls ? 'secureConnection' : 'connection', onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    url: (p) => origin + p,
    requests,
    connections: () => accepted,
    peakOpen: () => peak,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic pseudo-random bytes, so a test can name exactly what must be on disk. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ServeOptions {
  etag?: string;
  lastModified?: string;
  /** Serve Range requests (default true). */
  ranges?: boolean;
  /** Honour If-Range (default true). */
  ifRange?: boolean;
}

/**
 * Answers like a static file server: 200 with Content-Length, or 206 for a satisfiable Range
 * (respecting If-Range), 416 otherwise.
 */
export function serveBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  o: ServeOptions = {},
) {
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream' };
  if (o.etag) headers.etag = o.etag;
  if (o.lastModified) headers['last-modified'] = o.lastModified;
  if (o.ranges !== false) headers['accept-ranges'] = 'bytes';
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  const validatorOk =
    ifRange === undefined || ifRange === o.etag || ifRange === o.lastModified || o.ifRange === false;
  if (o.ranges !== false && range && validatorOk) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    const start = m ? Number(m[1]) : NaN;
    const end = m && m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
    if (!m || start >= body.length || end < start) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
    headers['content-length'] = end - start + 1;
    res.writeHead(206, headers).end(body.subarray(start, end + 1));
    return;
  }
  headers['content-length'] = body.length;
  res.writeHead(200, headers).end(body);
}
