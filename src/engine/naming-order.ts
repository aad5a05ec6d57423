import type { Claims } from '../download/claims.js';
import type { DownloadItem } from '../download/item.js';

/** Whether an item's name is derived from its URL before its request (see DestinationChooser). */
export function derivesName(item: DownloadItem, contentDisposition: boolean): boolean {
  return !contentDisposition && (item.path === undefined || item.path.endsWith('/'));
}

/**
 * Hands out names derived from URLs in the order items were let in, wherever their jobs run:
 * two items whose URLs give one name get `name` and `name.1` in input order on every run, so a
 * re-run finds each file under the name it had. An item expected to ask waits for those let
 * in before it, until they have asked or got past deciding their destination.
 */
export class NamingOrder {
  readonly #claims: Claims;
  /** Items let in that may still ask, in the order they were let in. */
  readonly #expected: number[] = [];
  #wake: Array<() => void> = [];

  constructor(claims: Claims) {
    this.#claims = claims;
  }

  /** `index` was let in and may ask for a derived name. */
  expect(index: number): void {
    this.#expected.push(index);
  }

  /** `index` asked, or will not ask any more. */
  done(index: number): void {
    const at = this.#expected.indexOf(index);
    if (at < 0) return;
    this.#expected.splice(at, 1);
    if (at === 0) {
      const wake = this.#wake;
      this.#wake = [];
      for (const w of wake) w();
    }
  }

  /** The claims, with derived names handed out in order. */
  readonly claims: Claims = {
    uniqueDerived: async (p, index, source) => {
      if (index !== undefined) {
        while (this.#expected.includes(index) && this.#expected[0] !== index) {
          await new Promise<void>((resolve) => this.#wake.push(resolve));
        }
      }
      try {
        return await this.#claims.uniqueDerived(p, index, source);
      } finally {
        if (index !== undefined) this.done(index);
      }
    },
    taken: (p) => this.#claims.taken(p),
    hold: (p) => this.#claims.hold(p),
    tryHold: (p) => this.#claims.tryHold(p),
  };
}
