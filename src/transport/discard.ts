import type { HttpResponse } from './client.js';

/**
 * Lets a body nobody wants go, without waiting for it: a small one is drained so the
 * connection can carry the next request, a large one closes the connection.
 */
export function discardBody(res: HttpResponse): void {
  res.body.dump();
}
