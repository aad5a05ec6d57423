import { UnsafePathError } from '../errors/index.js';
import { numberedName, WORK_SUFFIXES } from '../storage/finalize.js';

/**
 * What deciding destinations needs of the run's claims. Answers may come later (a worker thread
 * asks the thread that keeps the run's one set of claims).
 */
export interface Claims {
  /**
   * See DestinationClaims.uniqueDerived. `index`: the item's place in the input, so that names
   * are handed out in the order items were let in, wherever their jobs run.
   */
  uniqueDerived(p: string, index?: number, source?: string): string | Promise<string>;
  /** Whether `p` is held by another download of the run, or clashes with one (see `clash`). */
  taken(p: string): boolean | Promise<boolean>;
  /** See DestinationClaims.hold. */
  hold(p: string): Promise<() => void>;
  /** Holds `p` when it is not taken (at once, without waiting); undefined when it is. */
  tryHold(p: string): Promise<(() => void) | undefined>;
}

/**
 * The destinations in use in this run. A path is held by one download at a time (another
 * item for the same path waits for it), and names derived from URLs are made unique within
 * the run, in input order, so that a re-run derives the same names again.
 */
export class DestinationClaims implements Claims {
  readonly #held = new Map<string, Promise<void>>();
  /** Derived names handed out, each with the URL it came from when one was given. */
  readonly #derived = new Map<string, string | undefined>();
  /** Destinations of this run named like the work files of another one (`x.part`): few. */
  readonly #workLike = new Set<string>();

  /**
   * The first of `p`, `p.1`, `p.2`... not yet handed out to a derived name in this run, and not
   * clashing with the files another destination of the run keeps beside it (see `clash`). With
   * a `source` (the URL the name comes from), a name this source was already given is given
   * again: the same URL twice is the same file, and its second item waits for the first.
   */
  uniqueDerived(p: string, _index?: number, source?: string): string {
    let candidate = p;
    for (let n = 1; this.#derived.has(candidate) || this.clash(candidate); n++) {
      if (source !== undefined && this.#derived.get(candidate) === source) return candidate;
      candidate = numberedName(p, n);
    }
    this.#derived.set(candidate, source);
    this.#note(candidate);
    return candidate;
  }

  /**
   * Why `p` cannot be a destination beside the others of this run, or undefined when it can:
   * its `.part` file (or its state) would be another item's destination, or it is the `.part`
   * file (or the state) of a destination held or derived in this run. Either way one download
   * would truncate, rename or remove the other's file.
   */
  clash(p: string): string | undefined {
    for (const suffix of WORK_SUFFIXES) {
      const work = p + suffix;
      if (this.#workLike.has(work)) {
        return `its partial download would be kept at ${work}, the destination of another item of this run`;
      }
      const stem = p.endsWith(suffix) ? p.slice(0, -suffix.length) : undefined;
      if (stem !== undefined && (this.#held.has(stem) || this.#derived.has(stem))) {
        return `the download of ${stem} in this run keeps its partial file there`;
      }
    }
    return undefined;
  }

  #note(p: string): void {
    if (WORK_SUFFIXES.some((suffix) => p.endsWith(suffix))) this.#workLike.add(p);
  }

  /**
   * Holds `p` until the returned release function is called; waits while another holds it.
   * Rejects with UNSAFE_PATH when `p` clashes with the work files of another destination.
   */
  async hold(p: string): Promise<() => void> {
    for (let held = this.#held.get(p); held; held = this.#held.get(p)) await held;
    const why = this.clash(p);
    if (why !== undefined) throw new UnsafePathError(p, why);
    return this.#hold(p);
  }

  tryHold(p: string): Promise<(() => void) | undefined> {
    return Promise.resolve(this.taken(p) ? undefined : this.#hold(p));
  }

  #hold(p: string): () => void {
    this.#note(p);
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

  taken(p: string): boolean {
    return this.isHeld(p) || this.clash(p) !== undefined;
  }
}
