import { Pool, type Dispatcher } from 'undici';
import { ParafetchError, ProxyError } from '../errors/index.js';
import { redactProxy } from './proxy-settings.js';

type Connect = (options: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;

function isAbort(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown } | undefined;
  return e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR' || e?.name === 'AbortError';
}

/** What went wrong between us and the proxy, as a ProxyError naming the proxy. Pure. */
export function proxyFailure(err: unknown, proxy: string): ParafetchError | unknown {
  if (err instanceof ParafetchError || isAbort(err)) return err;
  const e = err as { code?: unknown; message?: unknown } | undefined;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return new ProxyError('PROXY_REFUSED', proxy, `proxy ${proxy} refused the connection`, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new ProxyError('PROXY_ERROR', proxy, `cannot resolve proxy ${proxy}`, err);
  }
  const why = typeof e?.message === 'string' ? e.message : String(err);
  return new ProxyError('PROXY_ERROR', proxy, `cannot reach the origin through proxy ${proxy}: ${why}`, err);
}

/** A proxy's answer to CONNECT other than 200, as a ProxyError. Pure. */
export function proxyRefusal(
  status: number,
  proxy: string,
  target: string,
  withCredentials: boolean,
): ProxyError {
  if (status === 407) {
    const what = withCredentials ? 'refused the credentials given' : 'requires credentials';
    return new ProxyError('PROXY_AUTH_REQUIRED', proxy, `proxy ${proxy} ${what} (407)`);
  }
  return new ProxyError('PROXY_ERROR', proxy, `proxy ${proxy} answered ${status} to CONNECT ${target}`);
}

/**
 * The dispatcher a proxy agent opens its tunnels with (undici's `clientFactory`): a pool to the
 * proxy whose CONNECT fails with a ProxyError naming the proxy (without credentials) instead of
 * undici's generic errors, where a 407 would read as ABORTED and a closed proxy port as the
 * origin refusing the connection.
 */
export function proxyTunnelClient(proxyUrl: URL, options: object): Dispatcher {
  const pool = new Pool(proxyUrl, options);
  const proxy = redactProxy(proxyUrl);
  const withCredentials = proxyUrl.username !== '' || proxyUrl.password !== '';
  const connect = pool.connect.bind(pool) as Connect;
  const tunnel: Connect = async (o) => {
    let data: Dispatcher.ConnectData;
    try {
      data = await connect(o);
    } catch (err) {
      throw proxyFailure(err, proxy);
    }
    if (data.statusCode !== 200) {
      data.socket.on('error', () => {}).destroy();
      throw proxyRefusal(data.statusCode, proxy, String(o.path), withCredentials);
    }
    return data;
  };
  (pool as unknown as { connect: Connect }).connect = tunnel;
  return pool;
}
