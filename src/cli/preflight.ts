import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './config.js';

/**
 * Checks, before anything downloads, that every `-i` file can be read and that no output file
 * (`--report`, `--save-failed`) is one of the inputs, which writing would destroy.
 */
export async function checkFiles(inputs: readonly string[], outputs: readonly string[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const input of inputs) {
    if (input === '-') continue;
    try {
      const stat = await fs.stat(input);
      if (stat.isDirectory()) throw new Error('it is a directory');
      await fs.access(input, fs.constants.R_OK);
    } catch (err) {
      throw new UsageError(`cannot read input ${input}: ${reason(err)}`);
    }
    seen.set(await identity(input), input);
  }
  for (const output of outputs) {
    const id = await identity(output);
    const same = seen.get(id);
    if (same !== undefined)
      throw new UsageError(`${output} is the same file as ${same}: write it to another file`);
    seen.set(id, output);
  }
}

/** The real path of a file, or of its folder joined with its name when it does not exist yet. */
async function identity(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    const dir = await fs
      .realpath(path.dirname(path.resolve(file)))
      .catch(() => path.dirname(path.resolve(file)));
    return path.join(dir, path.basename(file));
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message ?? String(err);
}
