/**
 * A uniform random sample of at most `size` values from a stream of unknown length (Vitter's
 * algorithm R): memory stays at `size` whatever the stream's length. `random` is injectable.
 */
export class Reservoir<T> {
  readonly #size: number;
  readonly #random: () => number;
  readonly items: T[] = [];
  #seen = 0;

  constructor(size: number, random: () => number = Math.random) {
    this.#size = size;
    this.#random = random;
  }

  get seen(): number {
    return this.#seen;
  }

  add(item: T): void {
    this.#seen++;
    if (this.items.length < this.#size) {
      this.items.push(item);
      return;
    }
    const i = Math.floor(this.#random() * this.#seen);
    if (i < this.#size) this.items[i] = item;
  }
}

/** The `q` quantile (0…1) of `values` by nearest rank; 0 when empty. Pure (sorts a copy). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The `n` largest items by `key`, kept in a bounded min-heap as items stream by. */
export class TopN<T> {
  readonly #n: number;
  readonly #key: (item: T) => number;
  readonly #heap: T[] = [];

  constructor(n: number, key: (item: T) => number) {
    this.#n = n;
    this.#key = key;
  }

  add(item: T): void {
    const heap = this.#heap;
    const key = this.#key;
    if (heap.length < this.#n) {
      heap.push(item);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (key(heap[parent]!) <= key(heap[i]!)) break;
        [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
        i = parent;
      }
      return;
    }
    if (this.#n === 0 || key(item) <= key(heap[0]!)) return;
    heap[0] = item;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && key(heap[l]!) < key(heap[m]!)) m = l;
      if (r < heap.length && key(heap[r]!) < key(heap[m]!)) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i]!, heap[m]!];
      i = m;
    }
  }

  /** The items, largest first. */
  sorted(): T[] {
    return [...this.#heap].sort((a, b) => this.#key(b) - this.#key(a));
  }
}
