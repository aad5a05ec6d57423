import type http from 'node:http';

export interface ThrottleOptions {
  /** Bytes per second for this response (one response per connection at a time). */
  rate: number;
  etag?: string;
  /** Serve Range requests (default true). */
  ranges?: boolean;
  /** Called with every byte count actually sent. */
  onSent?: (n: number) => void;
}

/**
 * Serves `body` (or its requested range) at `rate` bytes per second, in 10 ms ticks, like a
 * server that caps each connection's speed. Honours Range and If-Range; stops if the client
 * goes away.
 */
export function serveThrottled(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  o: ThrottleOptions,
): void {
  let start = 0;
  let end = body.length - 1;
  const headers: http.OutgoingHttpHeaders = {};
  if (o.etag) headers.etag = o.etag;
  if (o.ranges !== false) headers['accept-ranges'] = 'bytes';
  let status = 200;
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  if (o.ranges !== false && m && (ifRange === undefined || ifRange === o.etag)) {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
    if (start >= body.length || end < start) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
  }
  headers['content-length'] = end - start + 1;
  res.writeHead(status, headers);
  let at = start;
  const perTick = Math.max(1, Math.round(o.rate / 100));
  const timer = setInterval(() => {
    if (res.destroyed) return void clearInterval(timer);
    const n = Math.min(perTick, end + 1 - at);
    const chunk = body.subarray(at, at + n);
    at += n;
    o.onSent?.(n);
    if (at > end) {
      clearInterval(timer);
      res.end(chunk);
    } else res.write(chunk);
  }, 10);
  res.on('close', () => clearInterval(timer));
}
