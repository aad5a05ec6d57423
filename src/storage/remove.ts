import fs from 'node:fs';
import path from 'node:path';
import { fdPath, fdPathsKnown } from './placement.js';

const { O_RDONLY, O_DIRECTORY } = fs.constants;

/** Opens the folder `p` (with extra `flags`, e.g. O_NOFOLLOW) through the thread pool. */
export const openDir = (p: string, flags = 0) =>
  new Promise<number>((resolve, reject) =>
    fs.open(p, O_RDONLY | O_DIRECTORY | flags, (err, fd) => (err ? reject(err) : resolve(fd))),
  );

/**
 * `name` inside the folder open as `fd`, as a path that the kernel resolves through the
 * descriptor: a call on it acts in that very folder, wherever its path now leads (Linux).
 */
export function inFolder(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

/**
 * Removes the file `p` the project made (a `.part`, a state, a temporary file), never by a name
 * that may lead outside the download directory. Its folder is opened and must really be
 * `realDir` (its real path, checked when the run verified it); the file is then removed through
 * that open folder, so a folder swapped for a symlink, before or during the call, never has
 * anything removed from where it leads: the file, if any, is left where it is. Where the
 * platform cannot tell where an open folder is (`realDir` undefined), the file is removed by
 * name. Never throws.
 */
export async function removeOwn(p: string, realDir: string | undefined): Promise<void> {
  if (realDir === undefined || !fdPathsKnown()) {
    await fs.promises.unlink(p).catch(() => {});
    return;
  }
  let fd: number;
  try {
    fd = await openDir(path.dirname(p));
  } catch {
    return; // no folder there: nothing of ours to remove
  }
  try {
    if (fdPath(fd) === realDir) await fs.promises.unlink(inFolder(fd, path.basename(p))).catch(() => {});
  } finally {
    fs.close(fd, () => {});
  }
}

/** `removeOwn` with direct calls. */
export function removeOwnSync(p: string, realDir: string | undefined): void {
  if (realDir === undefined || !fdPathsKnown()) {
    try {
      fs.unlinkSync(p);
    } catch {
      // nothing to remove
    }
    return;
  }
  let fd: number;
  try {
    fd = fs.openSync(path.dirname(p), O_RDONLY | O_DIRECTORY);
  } catch {
    return;
  }
  try {
    if (fdPath(fd) === realDir) fs.unlinkSync(inFolder(fd, path.basename(p)));
  } catch {
    // nothing to remove
  } finally {
    fs.closeSync(fd);
  }
}
