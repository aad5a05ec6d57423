// Where things live: the repository root (found from this compiled file) and bench/.work.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench/paths.js -> the repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH = join(ROOT, 'bench');
export const WORK = join(BENCH, '.work');
export const RESULTS = join(BENCH, 'results');

/** Where `bin` is: itself when absolute, else the first of PATH (then `extraDirs`) that holds it. */
export function findBinary(bin: string, extraDirs: readonly string[] = []): string | undefined {
  if (bin.startsWith('/')) return existsSync(bin) ? bin : undefined;
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...extraDirs]) {
    if (dir !== '' && existsSync(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}
