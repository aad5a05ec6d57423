/** Byte ranges of one file and the segments that fetch them. Pure: no I/O. */

/** A half-open byte range `[start, end)`. */
export type ByteRange = readonly [start: number, end: number];

/** Sorts and merges overlapping or touching ranges; drops empty ones. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The parts of `[0, size)` not covered by `done`. */
export function missingRanges(done: readonly ByteRange[], size: number): ByteRange[] {
  const out: ByteRange[] = [];
  let at = 0;
  for (const [s, e] of mergeRanges(done)) {
    if (s > at) out.push([at, Math.min(s, size)]);
    at = Math.max(at, e);
    if (at >= size) break;
  }
  if (at < size) out.push([at, size]);
  return out;
}

/**
 * Cuts the missing ranges into pieces for `connections` connections: the largest piece is
 * halved while there are fewer pieces than connections and both halves keep at least
 * `minSize` bytes.
 */
export function planSegments(
  missing: readonly ByteRange[],
  connections: number,
  minSize: number,
): ByteRange[] {
  const pieces = missing.map(([s, e]) => [s, e] as [number, number]);
  while (pieces.length < connections) {
    let largest = 0;
    for (let i = 1; i < pieces.length; i++) {
      if (pieces[i]![1] - pieces[i]![0] > pieces[largest]![1] - pieces[largest]![0]) largest = i;
    }
    const piece = pieces[largest];
    if (!piece || piece[1] - piece[0] < 2 * minSize) break;
    const mid = piece[0] + Math.ceil((piece[1] - piece[0]) / 2);
    pieces.splice(largest, 1, [piece[0], mid], [mid, piece[1]]);
  }
  return pieces.sort((a, b) => a[0] - b[0]);
}

/** A range being fetched: bytes `[start, pos)` are written, `[pos, end)` remain. */
export interface Segment {
  readonly start: number;
  pos: number;
  end: number;
  /** Whether a connection is working on it now. */
  busy: boolean;
}

/**
 * The segments of one download and who works on what. A free connection takes a segment
 * nobody works on; when there is none, it takes over the second half of the largest
 * remaining range (work stealing), so a slow connection never holds the file hostage.
 */
export class SegmentTable {
  readonly size: number;
  readonly #done: ByteRange[];
  readonly segments: Segment[] = [];
  readonly #minSteal: number;

  constructor(size: number, done: readonly ByteRange[], pieces: readonly ByteRange[], minSteal: number) {
    this.size = size;
    this.#done = mergeRanges(done);
    this.#minSteal = minSteal;
    for (const [start, end] of pieces) this.segments.push({ start, pos: start, end, busy: false });
  }

  /** Hands out work: an idle segment, else half of the largest busy one, else undefined. */
  take(): Segment | undefined {
    const idle = this.segments.find((s) => !s.busy && s.pos < s.end);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    let victim: Segment | undefined;
    for (const s of this.segments) {
      if (s.busy && (!victim || s.end - s.pos > victim.end - victim.pos)) victim = s;
    }
    if (!victim || victim.end - victim.pos < 2 * this.#minSteal) return undefined;
    const mid = victim.pos + Math.ceil((victim.end - victim.pos) / 2);
    const stolen: Segment = { start: mid, pos: mid, end: victim.end, busy: true };
    victim.end = mid;
    this.segments.push(stolen);
    return stolen;
  }

  release(segment: Segment): void {
    segment.busy = false;
  }

  /** Every byte confirmed written: earlier runs' ranges plus each segment's `[start, pos)`. */
  doneRanges(): ByteRange[] {
    return mergeRanges([...this.#done, ...this.segments.map((s) => [s.start, s.pos] as const)]);
  }

  doneBytes(): number {
    return this.doneRanges().reduce((n, [s, e]) => n + e - s, 0);
  }

  complete(): boolean {
    return this.segments.every((s) => s.pos >= s.end);
  }
}
