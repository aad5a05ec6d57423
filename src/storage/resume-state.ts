import fs from 'node:fs/promises';
import { DiskError } from '../errors/index.js';

/**
 * What a partial download needs to continue in a later run, kept beside its `.part` file.
 * A segmented download records only ranges already flushed to the `.part` file. A single
 * stream (`stream: true`) writes its file front to back, so the file's own length says how
 * far it got — after a power loss too, on file systems that never extend a file's length
 * past data that reached the disk (ext4 in its default data=ordered mode, XFS, btrfs) — and
 * `done` is only what it had when the state was written.
 */
export interface ResumeState {
  version: 1;
  url: string;
  size: number;
  etag?: string;
  lastModified?: string;
  /** Half-open `[start, end)` ranges of the `.part` file that hold the remote bytes. */
  done: [number, number][];
  /** A single stream: the `.part` file holds bytes `[0, its length)`. */
  stream?: true;
}

export function statePathFor(partPath: string): string {
  return `${partPath}.state`;
}

/** Reads a state file: undefined when there is none, 'invalid' when it cannot be trusted. */
export async function loadState(p: string): Promise<ResumeState | 'invalid' | undefined> {
  let text: string;
  try {
    text = await fs.readFile(p, 'utf8');
  } catch {
    return undefined;
  }
  return parseState(text) ?? 'invalid';
}

function parseState(text: string): ResumeState | undefined {
  try {
    const s = JSON.parse(text) as Partial<ResumeState>;
    if (
      s.version !== 1 ||
      typeof s.url !== 'string' ||
      !Number.isSafeInteger(s.size) ||
      !Array.isArray(s.done)
    ) {
      return undefined;
    }
    const size = s.size!;
    for (const r of s.done) {
      if (!Array.isArray(r) || r.length !== 2) return undefined;
      const [a, b] = r as unknown[];
      if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return undefined;
      if ((a as number) < 0 || (b as number) < (a as number) || (b as number) > size) return undefined;
    }
    if (s.etag !== undefined && typeof s.etag !== 'string') return undefined;
    if (s.lastModified !== undefined && typeof s.lastModified !== 'string') return undefined;
    if (s.stream !== undefined && s.stream !== true) return undefined;
    return s as ResumeState;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the state file atomically and durably: written to a temporary name, flushed, then
 * renamed over the old one. A crash at any moment leaves the old state or the new one.
 */
export async function saveState(p: string, state: ResumeState): Promise<void> {
  const tmp = `${p}.tmp`;
  try {
    const fh = await fs.open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(JSON.stringify(state));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, p);
  } catch (err) {
    throw new DiskError(`cannot save resume state ${p}: ${(err as Error).message}`, err);
  }
}
