import fs from 'node:fs/promises';
import path from 'node:path';
import { DiskError } from '../errors/index.js';
import { fitName } from './safe-path.js';

/**
 * What the names of the files a download keeps beside its destination end with: the `.part`
 * file, its resume state and the state's temporary file (see resume-state.ts).
 */
export const WORK_SUFFIXES: readonly string[] = ['.part', '.part.state', '.part.state.tmp'];

/** The temporary file a download writes into, beside its destination. */
export function partPathFor(finalPath: string): string {
  return `${finalPath}.part`;
}

/**
 * `name.ext` -> `name.N.ext` (the first dot after a leading one starts the extension), the name
 * cut where needed so the result stays within MAX_NAME_BYTES like every derived name. Pure.
 */
export function numberedName(filePath: string, n: number): string {
  const dir = path.dirname(filePath);
  const base = path.basename(filePath);
  const dot = base.indexOf('.', 1);
  const name = dot === -1 ? fitName(base, `.${n}`) : fitName(base.slice(0, dot), `.${n}${base.slice(dot)}`);
  return path.join(dir, name);
}

/** Size of the regular file at `p`, or undefined when there is none. */
export async function existingSize(p: string): Promise<number | undefined> {
  try {
    const st = await fs.stat(p);
    return st.isFile() ? st.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DiskError(`cannot stat ${p}: ${(err as Error).message}`, err);
  }
}

/** Whether anything (file, folder, link) exists at `p`. */
export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new DiskError(`cannot stat ${p}: ${(err as Error).message}`, err);
  }
}
