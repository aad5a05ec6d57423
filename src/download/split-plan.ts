/** Whether a file is fetched over several connections, and how it is cut. Pure. */

/** `split` as a download reads it: a fixed cap of connections per file, or automatic. */
export type SplitSetting = number | 'auto';

/** The most connections one file gets when `split` is automatic. */
export const AUTO_SPLIT_MAX = 16;

/** Waves of pieces in a split download that is hashed: the part complete from the start grows all along. */
export const HASH_WAVES = 4;

/** The most connections a file may ever have under `split` (1: never split). */
export function splitCap(split: SplitSetting): number {
  return split === 'auto' ? AUTO_SPLIT_MAX : split;
}

/** What is known of one file once its first response's headers are in. */
export interface SplitInput {
  /** Full size, when the server said. */
  size: number | undefined;
  /**
   * Whether the first response was a 206 to `bytes=0-` with a strong validator, so further
   * ranges can be asked for this version alone (If-Range).
   */
  ranged: boolean;
  /** The most connections this file may have (see splitCap). */
  cap: number;
  /** The smallest range worth its own connection; a file is split only from twice this. */
  minSplitSize: number;
  /** Connections idle in the run that this file could take now, beyond the one it has. */
  spare: number;
  /** Whether the file's SHA-256 is computed as it arrives. */
  hashed: boolean;
}

export interface SplitPlan {
  /**
   * Whether the file is fetched as a table of ranges, which can take further connections as
   * they become idle (work stealing hands them the largest range left). When false: one stream.
   */
  segmented: boolean;
  /** Connections to start with, the one already open included. */
  connections: number;
  /** Pieces the file is cut into up front. */
  pieces: number;
}

const ONE_STREAM: SplitPlan = { segmented: false, connections: 1, pieces: 1 };

/**
 * The plan for one file. It is split only when the server serves ranges of this version, the
 * size is known, the cap allows more than one connection, and the file holds at least two
 * ranges of `minSplitSize`; then it starts with as many connections as are idle (never more
 * than the cap, nor more than ranges of `minSplitSize` it holds). Such a file is a table of
 * ranges even while it has one connection, so that connections freed later can join it.
 * A hashed file with several connections is cut into HASH_WAVES waves of pieces in file order.
 */
export function planSplit(p: SplitInput): SplitPlan {
  const { size, minSplitSize } = p;
  if (!p.ranged || size === undefined || p.cap <= 1 || size < 2 * minSplitSize) return ONE_STREAM;
  const most = Math.min(p.cap, Math.floor(size / minSplitSize));
  const connections = Math.max(1, Math.min(most, 1 + Math.max(0, Math.floor(p.spare))));
  const pieces = connections > 1 && p.hashed ? connections * HASH_WAVES : connections;
  return { segmented: true, connections, pieces };
}

/**
 * Pieces a download left by an earlier run is cut into when it is continued: as many as it
 * could have connections (in waves when hashed), since how many will be idle is not known yet.
 */
export function resumePieces(split: SplitSetting, hashed: boolean): number {
  const cap = splitCap(split);
  return cap > 1 && hashed ? cap * HASH_WAVES : cap;
}
