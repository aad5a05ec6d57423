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

/** Where the last of `ranges` ends (0 for none). Pure. */
export function rangesEnd(ranges: readonly ByteRange[]): number {
  return ranges.reduce((end, [, b]) => Math.max(end, b), 0);
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
  /**
   * The claim of the connection working on it: every take makes a new one, and only that claim
   * may release the segment or write into it, so a connection that has let it go can never
   * free or move it under the connection that took it next.
   */
  claim: number;
  /** When the connection working on it took it (ms, any monotonic clock), and `pos` then. */
  takenAt: number;
  posWhenTaken: number;
}

/** How a free connection decides whether taking over part of a busy range is worth it. */
export interface StealPolicy {
  /** Never leave either half of a split range below this many bytes. */
  minBytes: number;
  /**
   * Split only a range whose connection needs longer than this (ms) to finish it at its
   * current speed, and than four round trips: a new request costs a round trip or a new
   * connection, and the victim's connection is closed, so stealing the last few
   * milliseconds of a range loses time.
   */
  minMs: number;
}

/**
 * The segments of one download and who works on what. A free connection takes a segment
 * nobody works on; when there is none, it takes over the second half of the range that will
 * finish last at the speeds seen so far (work stealing), so a slow connection never holds the
 * file hostage.
 */
export class SegmentTable {
  readonly size: number;
  readonly #done: ByteRange[];
  readonly segments: Segment[] = [];
  readonly policy: StealPolicy;
  #roundTripMs: number | undefined;
  #minMs: number;
  #claims = 0;

  constructor(size: number, done: readonly ByteRange[], pieces: readonly ByteRange[], policy: StealPolicy) {
    this.size = size;
    this.#done = mergeRanges(done);
    this.policy = policy;
    this.#minMs = policy.minMs;
    for (const [start, end] of pieces) {
      this.segments.push({ start, pos: start, end, busy: false, claim: 0, takenAt: 0, posWhenTaken: start });
    }
  }

  /** Hands out work: an idle segment, else half of the slowest busy one, else undefined. */
  take(now: number = performance.now()): Segment | undefined {
    const idle = this.segments.find((s) => !s.busy && s.pos < s.end);
    if (idle) return this.#claim(idle, now);
    const busy = this.segments.filter((s) => s.busy && s.end - s.pos >= 2 * this.policy.minBytes);
    if (busy.length === 0) return undefined;
    // Bytes per ms of each connection; one that has not received anything yet is assumed to go
    // at the others' average. With no speed known at all, the largest range is split.
    const rates = busy.map((s) => (now > s.takenAt ? (s.pos - s.posWhenTaken) / (now - s.takenAt) : 0));
    const known = rates.filter((r) => r > 0);
    const average = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 0;
    const cost = (s: Segment, i: number) => (s.end - s.pos) / (average > 0 ? rates[i]! || average : 1);
    let victim = busy[0]!;
    let victimCost = cost(victim, 0);
    for (let i = 1; i < busy.length; i++) {
      const c = cost(busy[i]!, i);
      if (c > victimCost) [victim, victimCost] = [busy[i]!, c];
    }
    if (average > 0 && victimCost <= this.#minMs) return undefined;
    const mid = victim.pos + Math.ceil((victim.end - victim.pos) / 2);
    const stolen: Segment = {
      start: mid,
      pos: mid,
      end: victim.end,
      busy: false,
      claim: 0,
      takenAt: 0,
      posWhenTaken: mid,
    };
    victim.end = mid;
    this.segments.push(stolen);
    return this.#claim(stolen, now);
  }

  #claim(segment: Segment, now: number): Segment {
    segment.busy = true;
    segment.claim = ++this.#claims;
    segment.takenAt = now;
    segment.posWhenTaken = segment.pos;
    return segment;
  }

  /**
   * Notes how long a request took to answer: splitting a range pays only when it saves more
   * than a few such round trips (smoothed, so one slow answer does not stop all stealing).
   */
  noteRoundTrip(ms: number): void {
    this.#roundTripMs = this.#roundTripMs === undefined ? ms : 0.75 * this.#roundTripMs + 0.25 * ms;
    this.#minMs = Math.max(this.policy.minMs, 4 * this.#roundTripMs);
  }

  /** Whether `claim` (read from the segment when it was taken) still holds it. */
  holds(segment: Segment, claim: number): boolean {
    return segment.busy && segment.claim === claim;
  }

  /** Lets a segment go; a claim that no longer holds it changes nothing. */
  release(segment: Segment, claim: number): void {
    if (this.holds(segment, claim)) segment.busy = false;
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
