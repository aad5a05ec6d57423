/** Response headers as undici gives them, and the readings every layer needs. */
export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Content-Length as a number, or undefined when absent or unreadable. */
export function contentLength(headers: Headers): number | undefined {
  const v = header(headers, 'content-length');
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** The URL a dispatch goes to, for messages. */
export function requestUrl(options: { origin?: string | URL | undefined; path: string }): string {
  return `${String(options.origin ?? '')}${options.path}`;
}
