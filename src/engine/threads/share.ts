/** Below this many connections per loop, an origin is not shared: one loop has them all. */
const LEAST_SHARE = 4;

/**
 * How one origin's connections are shared among the event loops that make transfers. An origin
 * allowed few connections (under LEAST_SHARE per loop) has them all on one loop, chosen by the
 * origin, so that one file split into ranges can still use all of them and many such origins
 * spread over the loops. Else each loop gets `perHost / loops`, and the remainder goes to the
 * loops next in turn from a place that depends on the origin. The shares add up to `perHost`.
 */
export function hostShare(perHost: number, loops: number, loop: number, host: string): number {
  if (loops === 1) return perHost;
  if (perHost < LEAST_SHARE * loops) return loop === hashOf(host) % loops ? perHost : 0;
  const base = Math.floor(perHost / loops);
  const extra = perHost % loops;
  const turn = (loop - (hashOf(host) % loops) + loops) % loops;
  return base + (turn < extra ? 1 : 0);
}

/** A small, stable string hash (FNV-1a, 32 bits). */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
