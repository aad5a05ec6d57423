import fs from 'node:fs/promises';
import {
  close as closeCb,
  constants,
  fdatasync as fdatasyncCb,
  ftruncate as ftruncateCb,
  write as writeCb,
} from 'node:fs';
import { promisify } from 'node:util';
import { DiskError, ParafetchError, UnsafePathError } from '../errors/index.js';
import { openOwn, renameCheckedAsync } from './placement.js';
import { removeOwn } from './remove.js';

const { O_RDONLY, O_WRONLY, O_NOFOLLOW, O_NONBLOCK } = constants;
const close = promisify(closeCb);
const fdatasync = promisify(fdatasyncCb);
const ftruncate = promisify(ftruncateCb);
const write = (fd: number, buf: Buffer, offset: number, length: number, position: number) =>
  new Promise<number>((resolve, reject) =>
    writeCb(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );

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
    // Never waits: a FIFO planted there would block a read until a writer came.
    const fh = await fs.open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    try {
      if ((await fh.stat()).isFIFO()) return 'invalid';
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
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
 * renamed over the old one. A crash at any moment leaves the old state or the new one. No
 * symlink is followed, and with `realDir` (see placement.ts) the file is checked to be in its
 * folder before and after the rename.
 */
/** Where `saveState` writes a state before renaming it to `p`: a run killed in between leaves it. */
export function stateTmpPathFor(p: string): string {
  return `${p}.tmp`;
}

export async function saveState(p: string, state: ResumeState, realDir?: string): Promise<void> {
  const tmp = stateTmpPathFor(p);
  const data = Buffer.from(JSON.stringify(state));
  let fd: number | undefined;
  let placed = false;
  try {
    const own = await openOwn(tmp, O_WRONLY, realDir);
    fd = own.fd;
    placed = true;
    if (!own.created) await ftruncate(fd, 0);
    for (let done = 0; done < data.length;) done += await write(fd, data, done, data.length - done, done);
    await fdatasync(fd);
    await renameCheckedAsync(fd, tmp, p, realDir);
  } catch (err) {
    // A write that failed (a full disk) leaves no temporary file behind; one found outside its
    // folder was dealt with by the placement check and is never removed by name.
    if (placed && !(err instanceof UnsafePathError)) await removeOwn(tmp, realDir);
    if (err instanceof ParafetchError) throw err;
    throw new DiskError(`cannot save resume state ${p}: ${(err as Error).message}`, err);
  } finally {
    if (fd !== undefined) await close(fd).catch(() => {});
  }
}
