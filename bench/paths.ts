// Where things live: the repository root (found from this compiled file) and bench/.work.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench/paths.js -> the repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH = join(ROOT, 'bench');
export const WORK = join(BENCH, '.work');
export const RESULTS = join(BENCH, 'results');
