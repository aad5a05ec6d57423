import { numberedName } from '../storage/finalize.js';

/**
 * The destinations in use in this run. A path is held by one download at a time (another
 * item for the same path waits for it), and names derived from URLs are made unique within
 * the run, in input order, so that a re-run derives the same names again.
 */
export class DestinationClaims {
  readonly #held = new Map<string, Promise<void>>();
  readonly #derived = new Set<string>();

  /** The first of `p`, `p.1`, `p.2`... not yet handed out to a derived name in this run. */
  uniqueDerived(p: string): string {
    let candidate = p;
    for (let n = 1; this.#derived.has(candidate); n++) candidate = numberedName(p, n);
    this.#derived.add(candidate);
    return candidate;
  }

  /** Holds `p` until the returned release function is called; waits while another holds it. */
  async hold(p: string): Promise<() => void> {
    for (let held = this.#held.get(p); held; held = this.#held.get(p)) await held;
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.#held.set(p, done);
    return () => {
      if (this.#held.get(p) === done) this.#held.delete(p);
      release();
    };
  }

  isHeld(p: string): boolean {
    return this.#held.has(p);
  }
}
