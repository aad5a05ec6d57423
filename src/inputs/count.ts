import { stat } from 'node:fs/promises';
import { readInput, type ReadInputOptions } from './read.js';

/**
 * How many items the manifest `source` holds, counted in a pass of its own beside the streaming
 * read, which it leaves alone: the file is opened again and read through the same reader, each
 * entry counted and dropped, so memory stays constant and the count is what the reading yields
 * (gzip, CSV records over several lines and malformed lines included). Only a regular file can
 * be read twice: for stdin, a FIFO or a device, and when the file cannot be read to its end, it
 * resolves undefined; so it does when `signal` aborts.
 */
export async function countItems(
  source: string,
  options: Pick<ReadInputOptions, 'format' | 'signal'> = {},
): Promise<number | undefined> {
  if (source === '-') return undefined;
  try {
    if (!(await stat(source)).isFile()) return undefined;
    let items = 0;
    for await (const entry of readInput(source, options)) if (entry.kind === 'item') items++;
    return items;
  } catch {
    return undefined;
  }
}
