import fs from 'node:fs';
import path from 'node:path';
import { DiskError, UnsafePathError } from '../errors/index.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/**
 * Where an open file really is. On Linux, `/proc/self/fd/N` names the file a descriptor refers
 * to by its path now, through no symlink: one cheap call that touches no disk. Elsewhere (or
 * without /proc) nothing can be told, and only the once-per-run folder check holds.
 */
let fdPaths: boolean | undefined;

export function fdPathsKnown(): boolean {
  fdPaths ??= process.platform === 'linux' && fs.existsSync('/proc/self/fd');
  return fdPaths;
}

/** The path the open descriptor `fd` refers to now, or undefined when the platform cannot tell. */
export function fdPath(fd: number): string | undefined {
  if (!fdPathsKnown()) return undefined;
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/**
 * Checks that the open file `fd`, known to us as `p`, really is `realDir/basename(p)`; `realDir`
 * undefined skips the check (the platform cannot tell). When it is elsewhere, a file this call
 * `created` (or moved there) is removed from where it really is. The descriptor stays open.
 */
export function checkPlaced(fd: number, p: string, realDir: string | undefined, created: boolean): void {
  if (realDir === undefined) return;
  const actual = fdPath(fd);
  if (actual === undefined) return;
  const expected = path.join(realDir, path.basename(p));
  if (actual === expected) return;
  if (actual.endsWith(' (deleted)')) {
    throw new DiskError(`cannot write ${p}: the file was removed while it was open`);
  }
  if (created) {
    try {
      fs.unlinkSync(actual);
    } catch {
      // gone already
    }
  }
  throw new UnsafePathError(
    p,
    `it ended up at ${actual}, outside its folder ${realDir} in the download directory`,
  );
}

/** Checks the file opened at `p` (`nlink` 0: created by this open), closing it when it fails. */
function placedOrClose(fd: number, p: string, realDir: string | undefined, nlink: number): void {
  try {
    checkPlaced(fd, p, realDir, nlink === 0);
    // A hard link (one of several names of one file) has its writes land in a file that has
    // another name, perhaps outside the download directory.
    if (nlink > 1) {
      throw new UnsafePathError(
        p,
        `it is a hard link (one of ${nlink} names of one file), perhaps to a file outside; it was left as it is`,
      );
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** An open file the project owns, and whether this open created it. */
export interface OwnFile {
  fd: number;
  created: boolean;
}

function openError(p: string, err: unknown): DiskError {
  return new DiskError(`cannot open ${p}: ${(err as Error).message}`, err);
}

/**
 * Looks once at a file found at `p`, and returns its number of names. It must not be a FIFO:
 * one planted there would take the writes, or block a later open, for ever (this open, with
 * O_NONBLOCK, did not wait for a reader).
 */
function foundFile(fd: number, p: string): number {
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    throw openError(p, err);
  }
  if (st.isFIFO()) {
    fs.closeSync(fd);
    throw new DiskError(`cannot open ${p}: it is a FIFO, not a file`);
  }
  return Math.max(st.nlink, 1); // 0 only when removed meanwhile: still not ours
}

/**
 * Opens `p` for writing (or reading and writing, `access` O_RDWR) without ever following a
 * symlink, and checks where it landed. A FIFO found there fails with DISK_ERROR, without
 * waiting; a hard link (a file with another name) with UNSAFE_PATH. Creates it when missing; otherwise opens what is there
 * (never truncated by the open: a file found outside the folder is left as it was). The caller
 * truncates an existing file it restarts.
 */
export function openOwnSync(p: string, access: number, realDir: string | undefined): OwnFile {
  let fd: number;
  let nlink = 0;
  try {
    fd = fs.openSync(p, access | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw openError(p, err);
    try {
      fd = fs.openSync(p, access | O_NOFOLLOW | O_NONBLOCK);
    } catch (err2) {
      throw openError(p, err2);
    }
    nlink = foundFile(fd, p);
  }
  placedOrClose(fd, p, realDir, nlink);
  return { fd, created: nlink === 0 };
}

/** `openOwnSync` through the thread pool (creating a file can take a millisecond). */
export async function openOwn(p: string, access: number, realDir: string | undefined): Promise<OwnFile> {
  const open = (flags: number) =>
    new Promise<number>((resolve, reject) =>
      fs.open(p, flags, 0o644, (err, fd) => (err ? reject(err) : resolve(fd))),
    );
  let fd: number;
  let nlink = 0;
  try {
    fd = await open(access | O_CREAT | O_EXCL | O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw openError(p, err);
    try {
      fd = await open(access | O_NOFOLLOW | O_NONBLOCK);
    } catch (err2) {
      throw openError(p, err2);
    }
    nlink = foundFile(fd, p);
  }
  placedOrClose(fd, p, realDir, nlink);
  return { fd, created: nlink === 0 };
}

/**
 * Renames `from` to `to` (same folder) while `fd` holds the file open, checking where the file
 * is just before and where it ended up after: a folder swapped for a symlink meanwhile is
 * caught, and our file removed from where it landed. Returns with `fd` still open. A caller that
 * opened (and checked) the file in the same burst of direct calls skips the check before.
 */
export function renameChecked(
  fd: number,
  from: string,
  to: string,
  realDir: string | undefined,
  checkBefore = true,
): void {
  if (checkBefore) checkPlaced(fd, from, realDir, true);
  try {
    fs.renameSync(from, to);
  } catch (err) {
    throw new DiskError(`cannot move ${from} to ${to}: ${(err as Error).message}`, err);
  }
  checkPlaced(fd, to, realDir, true);
}

/** `renameChecked` with the rename in the thread pool. */
export async function renameCheckedAsync(
  fd: number,
  from: string,
  to: string,
  realDir: string | undefined,
): Promise<void> {
  checkPlaced(fd, from, realDir, true);
  try {
    await fs.promises.rename(from, to);
  } catch (err) {
    throw new DiskError(`cannot move ${from} to ${to}: ${(err as Error).message}`, err);
  }
  checkPlaced(fd, to, realDir, true);
}
