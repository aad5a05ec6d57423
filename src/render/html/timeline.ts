/** The most buckets a timeline keeps: about one per pixel of a chart. */
export const MAX_BUCKETS = 600;
/** The narrowest bucket, in milliseconds. */
const MIN_WIDTH = 100;
/** The most workers drawn with a line of their own; the others are summed as one. */
export const MAX_WORKER_LINES = 16;

interface Bucket {
  bytes: number;
  files: number;
  failed: number;
  /** Milliseconds of items in flight within the bucket, summed: divided by the width, the average count. */
  busy: number;
  /** Bytes by worker line. */
  workers: number[];
}

/** A timeline as the page draws it: x in seconds from the run's start, rates per second. */
export interface TimelineView {
  /** Epoch milliseconds of x = 0. */
  origin: number;
  /** Bucket width in milliseconds. */
  width: number;
  x: number[];
  bytesPerSec: number[];
  filesPerSec: number[];
  failedPerSec: number[];
  active: number[];
  /** Worker ids, one line each (`…` sums the workers past MAX_WORKER_LINES). */
  workers: string[];
  workerBytesPerSec: number[][];
}

/**
 * Bytes, finished items and items in flight over time, in buckets that double in width as the run
 * grows longer, so that memory stays at MAX_BUCKETS whatever the run's length and item count.
 */
export class Timeline {
  #width = MIN_WIDTH;
  readonly #buckets = new Map<number, Bucket>();
  #lo = Infinity;
  #hi = -Infinity;
  readonly #workers = new Map<string, number>();

  /** Adds an item: its bytes spread over [bodyFrom, end], in flight over [from, end]. */
  add(o: {
    from: number;
    bodyFrom: number;
    end: number;
    bytes: number;
    failed: boolean;
    worker: string;
  }): void {
    const from = Math.min(o.from, o.end);
    this.#cover(from, o.end);
    const line = this.#workerLine(o.worker);
    this.#spread(Math.max(from, Math.min(o.bodyFrom, o.end)), o.end, (b, share) => {
      b.bytes += o.bytes * share;
      if (line >= 0) b.workers[line] = (b.workers[line] ?? 0) + o.bytes * share;
    });
    this.#spread(from, o.end, (b, share) => (b.busy += (o.end - from) * share));
    const last = this.#bucket(Math.floor(o.end / this.#width));
    last.files++;
    if (o.failed) last.failed++;
  }

  view(): TimelineView {
    const width = this.#width;
    const empty: TimelineView = {
      origin: 0,
      width,
      x: [],
      bytesPerSec: [],
      filesPerSec: [],
      failedPerSec: [],
      active: [],
      workers: [...this.#workers.keys()],
      workerBytesPerSec: [...this.#workers.keys()].map(() => []),
    };
    if (this.#lo > this.#hi) return empty;
    const perSec = 1000 / width;
    const v = { ...empty, origin: this.#lo * width };
    for (let i = this.#lo; i <= this.#hi; i++) {
      const b = this.#buckets.get(i);
      v.x.push(((i - this.#lo) * width) / 1000);
      v.bytesPerSec.push(Math.round((b?.bytes ?? 0) * perSec));
      v.filesPerSec.push(round2((b?.files ?? 0) * perSec));
      v.failedPerSec.push(round2((b?.failed ?? 0) * perSec));
      v.active.push(round2((b?.busy ?? 0) / width));
      v.workerBytesPerSec.forEach((line, w) => line.push(Math.round((b?.workers[w] ?? 0) * perSec)));
    }
    return v;
  }

  #workerLine(worker: string): number {
    if (worker === '') return -1;
    const known = this.#workers.get(worker);
    if (known !== undefined) return known;
    if (this.#workers.size < MAX_WORKER_LINES) {
      this.#workers.set(worker, this.#workers.size);
      return this.#workers.size - 1;
    }
    if (!this.#workers.has('…')) this.#workers.set('…', this.#workers.size);
    return this.#workers.get('…')!;
  }

  /** Widens the buckets until [from, to] and the times already seen fit in MAX_BUCKETS. */
  #cover(from: number, to: number): void {
    for (;;) {
      const lo = Math.min(this.#lo, Math.floor(from / this.#width));
      const hi = Math.max(this.#hi, Math.floor(to / this.#width));
      if (hi - lo < MAX_BUCKETS) {
        this.#lo = lo;
        this.#hi = hi;
        return;
      }
      this.#coarsen();
    }
  }

  #coarsen(): void {
    const old = [...this.#buckets];
    this.#buckets.clear();
    this.#width *= 2;
    for (const [i, b] of old) {
      const into = this.#bucket(Math.floor(i / 2));
      into.bytes += b.bytes;
      into.files += b.files;
      into.failed += b.failed;
      into.busy += b.busy;
      b.workers.forEach((v, w) => (into.workers[w] = (into.workers[w] ?? 0) + v));
    }
    this.#lo = Math.floor(this.#lo / 2);
    this.#hi = Math.floor(this.#hi / 2);
  }

  #bucket(i: number): Bucket {
    let b = this.#buckets.get(i);
    if (!b) {
      b = { bytes: 0, files: 0, failed: 0, busy: 0, workers: [] };
      this.#buckets.set(i, b);
    }
    return b;
  }

  /** Calls `add` for each bucket that [from, to] overlaps, with the share of the interval in it. */
  #spread(from: number, to: number, add: (b: Bucket, share: number) => void): void {
    const w = this.#width;
    const first = Math.floor(from / w);
    const last = Math.floor(to / w);
    if (to <= from || first === last) {
      add(this.#bucket(last), 1);
      return;
    }
    for (let i = first; i <= last; i++) {
      const overlap = Math.min(to, (i + 1) * w) - Math.max(from, i * w);
      if (overlap > 0) add(this.#bucket(i), overlap / (to - from));
    }
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
