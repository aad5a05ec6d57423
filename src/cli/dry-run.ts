import fs from 'node:fs/promises';
import path from 'node:path';
import { DestinationClaims } from '../download/claims.js';
import { nameFromUrl } from '../download/naming.js';
import { normalizeOptions, type NormalizedOptions } from '../engine/options.js';
import { InvalidOptionError, ParafetchError, type DownloadItem } from '../index.js';
import { jsonLine, printable } from '../render/printable.js';
import { shardFiles } from '../storage/shards/shard-plan.js';
import { resolveInside } from '../storage/safe-path.js';
import type { CliConfig } from './config.js';
import { EXIT } from './exit-codes.js';
import { itemsOf } from './items.js';
import type { CliIo } from './run.js';

/** What the run would do with one item. */
type Action = 'fetch' | 'skip' | 'continue' | 'replace' | 'refuse';

interface Plan {
  action: Action;
  /** Where it would go, relative to the destination (a shard for WebDataset output). */
  path: string | null;
  /** Why, when it is not simply fetched. */
  note?: string;
}

/**
 * `--dry-run`: reads the inputs as the run would and prints, for each item, what it would do
 * and where the file would go; then the counts. No request is made and nothing is written. A
 * name that comes from the response (`--content-disposition`) is shown as the URL's, with a note.
 */
export async function dryRun(config: CliConfig, io: CliIo): Promise<number> {
  let options: NormalizedOptions;
  try {
    options = normalizeOptions(config.options);
  } catch (err) {
    if (err instanceof InvalidOptionError) {
      io.stderr.write(`parafetch: error: ${printable(err.message)}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  let inputErrors = 0;
  const items = itemsOf(config, {
    stdin: io.stdin,
    signal: new AbortController().signal,
    onProblem: (problem) => {
      if (problem.kind === 'error') inputErrors++;
      io.stderr.write(`${problem.kind === 'error' ? 'error' : 'warning'}: ${printable(problem.message)}\n`);
    },
  });
  const claims = new DestinationClaims();
  const counts: Record<Action, number> = { fetch: 0, skip: 0, continue: 0, replace: 0, refuse: 0 };
  let index = 0;
  for await (const item of items) {
    const plan = await planOf(item, index++, options, claims);
    counts[plan.action]++;
    if (config.json) {
      io.stdout.write(
        `${jsonLine({ url: item.url, path: plan.path, action: plan.action, note: plan.note ?? null })}\n`,
      );
    } else {
      const note = plan.note === undefined ? '' : ` (${plan.note})`;
      io.stdout.write(`${plan.action}  ${printable(item.url)} -> ${printable(plan.path ?? '-')}${note}\n`);
    }
  }
  const parts = [`${counts.fetch} to fetch`];
  if (counts.continue > 0) parts.push(`${counts.continue} to continue`);
  if (counts.replace > 0) parts.push(`${counts.replace} to replace`);
  parts.push(`${counts.skip} already there`);
  if (counts.refuse > 0) parts.push(`${counts.refuse} refused`);
  io.stderr.write(`Dry run: ${index.toLocaleString('en-US')} items: ${parts.join(', ')}; no request made\n`);
  if (inputErrors > 0) return EXIT.USAGE;
  return counts.refuse > 0 ? EXIT.FAILED : EXIT.OK;
}

/** What the run would do with `item`, the `index`-th of the input. */
async function planOf(
  item: DownloadItem,
  index: number,
  options: NormalizedOptions,
  claims: DestinationClaims,
): Promise<Plan> {
  const { output, remote, dir } = options;
  if (output.format === 'webdataset') {
    if (output.shardBytes !== undefined)
      return { action: 'fetch', path: null, note: 'into the shard its turn falls in' };
    return { action: 'fetch', path: shardFiles(Math.floor(index / output.shardItems)).tar };
  }
  let target: string;
  let note: string | undefined;
  try {
    let folder = dir;
    let file: string | undefined;
    if (item.path !== undefined) {
      const { abs, isDir } = resolveInside(dir, item.path);
      if (isDir) folder = abs;
      else file = abs;
    }
    if (file === undefined) {
      const url = new URL(item.url);
      const source = options.overwrite === 'skip' ? url.href : undefined;
      file = claims.uniqueDerived(path.join(folder, nameFromUrl(url)), index, source);
      if (options.contentDisposition) note = 'or the name its Content-Disposition gives';
    }
    target = file;
  } catch (err) {
    if (!(err instanceof ParafetchError)) throw err;
    return { action: 'refuse', path: item.path ?? null, note: `${err.code}: ${err.message}` };
  }
  const shown = path.relative(dir, target).split(path.sep).join('/');
  // A bucket is not asked: whether an object is there is known only by a request.
  if (remote !== undefined) return { action: 'fetch', path: `${remote.replace(/\/+$/, '')}/${shown}` };
  const existing = await fs.lstat(target).catch(() => undefined);
  if (!existing?.isFile())
    return note === undefined ? { action: 'fetch', path: shown } : { action: 'fetch', path: shown, note };
  if (options.overwrite === 'overwrite') return { action: 'replace', path: shown };
  if (options.overwrite === 'rename')
    return { action: 'fetch', path: shown, note: 'there already: saved as NAME.1.EXT' };
  if (options.continue)
    return {
      action: 'continue',
      path: shown,
      note: `from ${existing.size} bytes, if shorter than the server's`,
    };
  return { action: 'skip', path: shown, note: 'already there' };
}
