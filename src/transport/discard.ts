import type { HttpResponse } from './client.js';
import { contentLength } from './headers.js';

/** Bodies larger than this (or of unknown length) close the connection instead of being drained. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Lets a body nobody wants go, without waiting for it: a small one is drained so the
 * connection can carry the next request, a large one closes the connection.
 */
export function discardBody(res: HttpResponse): void {
  res.body.on('error', () => {});
  const len = contentLength(res.headers);
  if (len !== undefined && len <= DRAIN_LIMIT) res.body.resume();
  else res.body.destroy();
}
