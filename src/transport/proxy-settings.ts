import { InvalidOptionError } from '../errors/index.js';

/** Which proxy each scheme goes through, decided once from the `proxy` option and the environment. */
export interface ProxySettings {
  /** The proxy URL for http:// origins, or undefined for a direct connection. */
  http: string | undefined;
  /** The proxy URL for https:// origins, or undefined for a direct connection. */
  https: string | undefined;
  /** Hosts reached directly, as NO_PROXY lists them ('' for none). */
  noProxy: string;
}

export const DIRECT: ProxySettings = { http: undefined, https: undefined, noProxy: '' };

const EXPECTED = 'an http(s):// proxy URL';

/**
 * A proxy URL as curl takes it (`host:port` means `http://host:port`), or undefined when it is
 * not one: malformed, another scheme, or no host. Pure.
 */
export function parseProxyUrl(text: string): URL | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  // Credentials are sent decoded: a malformed escape (`%zz`) cannot be, so the URL is no proxy.
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return undefined;
  }
  return url;
}

/** A proxy as messages may show it: scheme, host and port, never credentials. Pure. */
export function redactProxy(proxy: string | URL): string {
  if (typeof proxy !== 'string') return `${proxy.protocol}//${proxy.host}`;
  const url = parseProxyUrl(proxy);
  return url ? redactProxy(url) : proxy.replace(/\/\/[^/@]*@/, '//***@');
}

/** The first of the variables that is set (lower case first, as curl and undici read them). */
function fromEnv(env: NodeJS.ProcessEnv, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) return [name, value];
  }
  return undefined;
}

function envProxy(env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined {
  const found = fromEnv(env, names);
  if (found === undefined || found[1].trim() === '') return undefined;
  const [name, value] = found;
  const url = parseProxyUrl(value.trim());
  if (url === undefined) {
    const err = new InvalidOptionError(name, EXPECTED, redactProxy(value));
    err.message =
      `Expected the environment variable \`${name}\` (read because \`proxy\` is 'env') to be ` +
      `${EXPECTED}, got ${JSON.stringify(redactProxy(value))}`;
    throw err;
  }
  return url.href;
}

/**
 * The proxies of a `proxy` setting: `'none'`, `'env'` (HTTP_PROXY, HTTPS_PROXY and NO_PROXY, or
 * their lower-case forms; https:// origins fall back to HTTP_PROXY), or one proxy URL for every
 * request. Throws InvalidOptionError naming `proxy`, or the environment variable at fault. Pure
 * but for reading `env`.
 */
export function resolveProxies(setting: unknown, env: NodeJS.ProcessEnv = process.env): ProxySettings {
  if (setting === 'none') return DIRECT;
  if (setting === 'env') {
    const http = envProxy(env, ['http_proxy', 'HTTP_PROXY']);
    const https = envProxy(env, ['https_proxy', 'HTTPS_PROXY']) ?? http;
    if (http === undefined && https === undefined) return DIRECT;
    return { http, https, noProxy: fromEnv(env, ['no_proxy', 'NO_PROXY'])?.[1] ?? '' };
  }
  const url = typeof setting === 'string' ? parseProxyUrl(setting) : undefined;
  if (url === undefined) {
    const shown = typeof setting === 'string' ? redactProxy(setting) : setting;
    throw new InvalidOptionError('proxy', `'env', 'none' or ${EXPECTED}`, shown);
  }
  return { http: url.href, https: url.href, noProxy: '' };
}
