/**
 * How one origin's connections are shared among the event loops that make transfers: each
 * gets `perHost / loops`, and the remainder goes to the loops next in turn from a place that
 * depends on the origin, so that origins allowed fewer connections than there are loops do
 * not all land on the same one. The shares add up to `perHost` exactly.
 */
export function hostShare(perHost: number, loops: number, loop: number, host: string): number {
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
