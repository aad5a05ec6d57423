import type { DownloadItem } from '../index.js';
import { InputError } from '../index.js';
import { countItems, readInput, type InputFormat } from '../inputs/index.js';
import type { InputProblem } from '../render/renderer.js';
import type { CliConfig } from './config.js';

export interface ItemSourceOptions {
  /** URLs from the command line, downloaded first. */
  urls: readonly string[];
  /** `-o`: the name of the single URL. */
  out: string | undefined;
  /** `-i` inputs, read one after the other (`-` is stdin). */
  inputs: readonly string[];
  /** `--input-format`; otherwise each input's own (from its name). */
  format: InputFormat | undefined;
  stdin: NodeJS.ReadableStream;
  /** Stops reading (Ctrl-C). */
  signal: AbortSignal;
  /** A malformed line, an unreadable input, or a warning: the run goes on with the next line. */
  onProblem(problem: InputProblem): void;
}

/**
 * Every item to download, as a stream for the Downloader: the command line's URLs, then each
 * input's entries as `readInput` yields them. Nothing is collected, so the engine's bounded
 * look-ahead is all the memory a list of any length costs. Never throws: problems go to
 * `onProblem`, an abort ends the stream.
 */
export async function* itemsFrom(o: ItemSourceOptions): AsyncGenerator<DownloadItem> {
  for (const url of o.urls) yield o.out === undefined ? { url } : { url, path: o.out };
  for (const input of o.inputs) {
    if (o.signal.aborted) return;
    try {
      const entries = readInput(input, {
        ...(o.format ? { format: o.format } : {}),
        stdin: o.stdin,
        signal: o.signal,
      });
      for await (const entry of entries) {
        if (entry.kind === 'item') yield entry.item;
        else if (entry.kind === 'error') o.onProblem({ kind: 'error', message: entry.error.message });
        else o.onProblem({ kind: 'warning', message: `${entry.source}:${entry.line}: ${entry.message}` });
      }
    } catch (err) {
      if (o.signal.aborted) return;
      o.onProblem({ kind: 'error', message: describeInputFailure(err) });
    }
  }
}

/**
 * How many items `itemsFrom` yields, counted beside it (see `countItems`): when every input is a
 * local file; undefined otherwise, or when stopped by `o.signal`.
 */
export async function countItemsFrom(
  o: Pick<ItemSourceOptions, 'urls' | 'inputs' | 'format' | 'signal'>,
): Promise<number | undefined> {
  let total = o.urls.length;
  for (const input of o.inputs) {
    const n = await countItems(input, { ...(o.format ? { format: o.format } : {}), signal: o.signal });
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

/** The items a command's configuration names (its URLs, then its lists), read as `itemsFrom` reads them. */
export function itemsOf(
  config: Pick<CliConfig, 'urls' | 'out' | 'inputs' | 'inputFormat'>,
  o: Pick<ItemSourceOptions, 'stdin' | 'signal' | 'onProblem'>,
): AsyncGenerator<DownloadItem> {
  return itemsFrom({
    urls: config.urls,
    out: config.out,
    inputs: config.inputs,
    format: config.inputFormat,
    ...o,
  });
}

/** An input that could not be opened or read to its end: `list.txt: cannot open: ...`. */
function describeInputFailure(err: unknown): string {
  const prefix = err instanceof InputError ? `${err.source}:0: ` : undefined;
  if (prefix !== undefined && (err as Error).message.startsWith(prefix)) {
    return `${(err as InputError).source}: ${(err as Error).message.slice(prefix.length)}`;
  }
  return err instanceof Error ? err.message : String(err);
}
