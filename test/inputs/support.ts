import { PassThrough } from 'node:stream';
import type { DownloadItem } from '../../src/download/item.js';
import { readInput, type InputEntry, type InputFormat } from '../../src/inputs/index.js';

/** An entry in a form that is short to write in a table. */
export type Brief = { line: number; item: DownloadItem } | { error: string } | { warning: string };

export function brief(entry: InputEntry): Brief {
  if (entry.kind === 'item') return { line: entry.line, item: entry.item };
  if (entry.kind === 'error') return { error: entry.error.message };
  return { warning: `${entry.source}:${entry.line}: ${entry.message}` };
}

/** A stdin that holds `data` and then ends. */
export function stdinOf(data: string | Buffer): PassThrough {
  const stdin = new PassThrough();
  stdin.end(data);
  return stdin;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

/** The entries of `text` read as `format` from stdin, in brief. */
export async function readBrief(format: InputFormat, text: string): Promise<Brief[]> {
  return (await withTimeout(collect(readInput('-', { format, stdin: stdinOf(text) })), 5000, format)).map(
    brief,
  );
}

/** `promise`, or a rejection after `ms`: no test waits forever. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const SHA = 'ab'.repeat(32);
