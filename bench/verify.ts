// Checks a run's output: every expected file present with the right size, and the sha256 of a
// random sample. A run that fails this is a failed run, whatever its speed.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, type FileEntry } from './data.js';

const SAMPLE_FILES = 16;
const SAMPLE_BYTES = 512 * 1024 * 1024;

export interface Verdict {
  ok: boolean;
  problem?: string;
}

export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
      hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** All of `expected` (paths relative to `outDir`) must be there; a sample must hash right. */
export function verifyAll(outDir: string, expected: readonly FileEntry[], seed: number): Verdict {
  let missing = 0;
  let wrongSize = 0;
  const examples: string[] = [];
  for (const file of expected) {
    const size = sizeOf(join(outDir, file.rel));
    if (size === file.size) continue;
    if (size === undefined) missing++;
    else wrongSize++;
    if (examples.length < 3)
      examples.push(size === undefined ? `${file.rel} missing` : `${file.rel} ${size} B, want ${file.size}`);
  }
  if (missing + wrongSize > 0)
    return { ok: false, problem: `${missing} missing, ${wrongSize} wrong size (${examples.join('; ')})` };
  return verifySample(outDir, expected, seed);
}

/** sha256 of up to SAMPLE_FILES random files (at least one, at most SAMPLE_BYTES unless that one is bigger). */
export function verifySample(outDir: string, present: readonly FileEntry[], seed: number): Verdict {
  const random = seededRandom(seed);
  const pool = [...present];
  let bytes = 0;
  for (let checked = 0; checked < SAMPLE_FILES && pool.length > 0; checked++) {
    const [file] = pool.splice(Math.floor(random() * pool.length), 1);
    if (!file) break;
    if (checked > 0 && bytes + file.size > SAMPLE_BYTES) continue;
    bytes += file.size;
    const actual = sha256File(join(outDir, file.rel));
    if (actual !== file.sha256) return { ok: false, problem: `${file.rel}: sha256 mismatch` };
  }
  return { ok: true };
}

/** Every regular file under `dir`, as paths relative to it, with sizes. */
export function listFiles(dir: string): Array<{ rel: string; size: number }> {
  const found: Array<{ rel: string; size: number }> = [];
  const walk = (sub: string): void => {
    let entries;
    try {
      entries = readdirSync(join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) found.push({ rel, size: sizeOf(join(dir, rel)) ?? -1 });
    }
  };
  walk('');
  return found;
}

/**
 * A run stopped on purpose mid-list (W5): files of the item's size are complete and are sampled;
 * files of another size are the ones in flight when it was killed, at most `inFlight` of them
 * (aria2c may leave a control file beside each).
 */
export function verifyStopped(
  outDir: string,
  item: FileEntry,
  inFlight: number,
  seed: number,
): Verdict & { complete: number } {
  const files = listFiles(outDir);
  const complete = files.filter((f) => f.size === item.size);
  const others = files.length - complete.length;
  if (others > 2 * inFlight)
    return { ok: false, complete: complete.length, problem: `${others} files of the wrong size` };
  const verdict = verifySample(
    outDir,
    complete.map((f) => ({ rel: f.rel, size: f.size, sha256: item.sha256 })),
    seed,
  );
  return { ...verdict, complete: complete.length };
}
