import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  port: number;
  /** The CONNECT targets asked for, in order (`127.0.0.1:PORT`). */
  connects: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** The Proxy-Authorization value required; without it the proxy answers 407. */
  auth?: string;
  /** Answer every CONNECT with this status instead of tunnelling. */
  status?: number;
}

/**
 * A CONNECT proxy on 127.0.0.1, port 0, that tunnels only to 127.0.0.1: what parafetch uses for
 * both http:// and https:// origins. It can require credentials (407) or refuse every tunnel.
 */
export async function startProxy(o: ProxyOptions = {}): Promise<TestProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => void res.writeHead(405).end());
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    client.on('error', () => {});
    const answer = (status: number, extra = '') =>
      client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${extra}Content-Length: 0\r\n\r\n`);
    if (o.auth !== undefined && req.headers['proxy-authorization'] !== o.auth) {
      return answer(407, 'Proxy-Authenticate: Basic realm="test"\r\n');
    }
    if (o.status !== undefined) return answer(o.status);
    const m = /^127\.0\.0\.1:(\d+)$/.exec(target);
    if (!m) return answer(403);
    const upstream = net.connect(Number(m[1]), '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => (upstream.readyState === 'opening' ? answer(502) : client.destroy()));
    upstream.on('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
