import fs from 'node:fs';
import path from 'node:path';
import { DiskError, UnsafePathError } from '../errors/index.js';
import { fdPath, fdPathsKnown } from './placement.js';
import { inFolder, openDir } from './remove.js';

const { O_NOFOLLOW } = fs.constants;

/** A file-system failure of `action` on `p`, naming both and the errno. */
export function diskError(action: string, p: string, err: unknown): DiskError {
  return new DiskError(`cannot ${action} ${p}: ${(err as Error).message}`, err);
}

const closeDir = (fd: number) => new Promise<void>((resolve) => fs.close(fd, () => resolve()));
const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

function isInside(real: string, realRoot: string): boolean {
  return real === realRoot || real.startsWith(realRoot + path.sep);
}

/** A folder held open, with its real path: what is made "in" it lands in it, wherever its name now leads. */
interface Held {
  fd: number;
  /** The path it was reached by (used where the platform cannot act through the descriptor). */
  path: string;
  real: string;
}

async function realOf(fd: number, p: string): Promise<string> {
  return fdPath(fd) ?? (await fs.promises.realpath(p));
}

/**
 * Makes `folder` (absolute, lexically inside `root`) exist and checks it lies inside the real
 * root, creating no folder outside it: the deepest folder that exists on its path is opened and
 * must really be inside the root; each missing component is then created one at a time, in the
 * folder held open before it (on Linux, through the descriptor: a folder swapped meanwhile
 * changes nothing), and opened without following a symlink, so a symlink planted on the way
 * fails with UNSAFE_PATH. Resolves with the folder's real path and whether a component was made.
 */
export async function makeInside(
  root: string,
  realRoot: string,
  folder: string,
): Promise<{ real: string; created: boolean }> {
  const rel = path.relative(root, folder);
  const unsafe = () => new UnsafePathError(rel, 'a symlink leads outside the download directory');
  // The deepest existing ancestor (usually the folder itself: one open).
  const missing: string[] = [];
  let at = folder;
  let held: Held;
  for (;;) {
    try {
      const fd = await openDir(at, 0);
      try {
        held = { fd, path: at, real: await realOf(fd, at) };
      } catch (err) {
        await closeDir(fd);
        throw diskError('resolve folder', at, err);
      }
      break;
    } catch (err) {
      if (err instanceof DiskError) throw err;
      if (code(err) !== 'ENOENT' || at === root) throw diskError('create folder', folder, err);
      missing.unshift(path.basename(at));
      at = path.dirname(at);
    }
  }
  let created = false;
  try {
    if (!isInside(held.real, realRoot)) throw unsafe();
    for (const name of missing) {
      const here = path.join(held.path, name);
      const target = fdPathsKnown() ? inFolder(held.fd, name) : here;
      try {
        await fs.promises.mkdir(target);
        created = true;
      } catch (err) {
        if (code(err) !== 'EEXIST') throw diskError('create folder', here, err);
      }
      let fd: number;
      try {
        fd = await openDir(target, O_NOFOLLOW);
      } catch (err) {
        const st = await fs.promises.lstat(target).catch(() => undefined);
        if (st?.isSymbolicLink()) throw unsafe();
        throw diskError('create folder', here, err);
      }
      const parent = held;
      held = { fd, path: here, real: path.join(parent.real, name) };
      await closeDir(parent.fd);
      // Where the platform cannot act through a descriptor, check where the name led.
      if (!fdPathsKnown()) {
        held.real = await realOf(fd, here);
        if (!isInside(held.real, realRoot)) throw unsafe();
      }
    }
    if (fdPathsKnown()) held.real = fdPath(held.fd) ?? held.real;
    if (!isInside(held.real, realRoot)) throw unsafe();
    return { real: held.real, created };
  } finally {
    await closeDir(held.fd);
  }
}
