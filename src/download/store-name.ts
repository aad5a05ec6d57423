import path from 'node:path';
import { resolveInside } from '../storage/safe-path.js';

/** A root no real folder has: relative names are checked against it, then cut from it. */
const ROOT = path.resolve('/parafetch-store-root');

/**
 * An item's destination inside a store that is not a local folder, as a relative name with `/`
 * between folders. Pure. The same rules as for a folder (see resolveInside): no absolute path,
 * nothing that leaves the root; a given path ending in `/` is a folder, `derived` (from the URL
 * or `Content-Disposition`, already made safe) is the file name in it.
 */
export function storeName(given: string | undefined, derived: string): string {
  if (given === undefined) return derived;
  const { abs, isDir } = resolveInside(ROOT, given);
  const rel = path.relative(ROOT, abs).split(path.sep).join('/');
  return isDir ? (rel === '' ? derived : `${rel}/${derived}`) : rel;
}

/** Whether the name of a store item is derived (numbered `.1`, `.2` when two items would share it). */
export function derivesName(given: string | undefined): boolean {
  return given === undefined || given.endsWith('/');
}
