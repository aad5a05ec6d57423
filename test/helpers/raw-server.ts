import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** What a raw server saw of one request: its head, as text. */
export interface RawRequest {
  head: string;
  /** The request line's target, e.g. `/file`. */
  path: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
}

export interface RawServer {
  origin: string;
  url(path: string): string;
  requests: RawRequest[];
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1, port 0, that reads each request head and hands the socket to
 * `respond`, which writes whatever bytes it likes: a server that lies about lengths, resets
 * mid-body (`socket.resetAndDestroy()`), or closes cleanly (`socket.end()`).
 */
export async function startRawServer(
  respond: (socket: net.Socket, req: RawRequest) => void,
): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      const [line = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const req = { head, path: line.split(' ')[1] ?? '', headers };
      requests.push(req);
      respond(socket, req);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (p) => origin + p,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
