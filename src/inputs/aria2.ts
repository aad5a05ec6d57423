import { errorEntry, itemEntry, warningEntry, type InputEntry } from './entry.js';
import type { Line } from './lines.js';
import { normalizeSha256 } from '../download/rules.js';
import { checkItem, headerProblem, show, urlProblem } from './validate.js';

/** One URL line of an aria2c input file and the option lines below it, as read so far. */
interface Block {
  readonly line: number;
  readonly url: string;
  readonly mirrors: readonly string[];
  out?: string;
  dir?: string;
  sha256?: string;
  /** By lowercase name, so that a repeated header replaces the earlier one. */
  readonly headers: Map<string, readonly [name: string, value: string]>;
  /** Set when a line of the block was an error: the item is not emitted. */
  failed: boolean;
}

/** A note produced by one option line: an error drops the item, a warning does not. */
type Note = { error: string } | { warning: string } | undefined;

/**
 * The destination aria2c would use for `dir` and `out`. Pure. `dir` alone becomes a path ending
 * in `/`: the file name is derived inside that folder.
 */
export function joinAria2Path(dir: string | undefined, out: string | undefined): string | undefined {
  if (out === undefined) return dir === undefined || dir.endsWith('/') ? dir : `${dir}/`;
  if (dir === undefined) return out;
  return dir.endsWith('/') ? dir + out : `${dir}/${out}`;
}

/**
 * Items of an aria2c input file (`aria2c --input-file`): a line of TAB-separated URIs of one
 * file (the first is `url`, the rest `mirrors`), then option lines starting with a space or a
 * TAB. Understood options: `out`, `dir`, `header=Name: value` (repeatable), `checksum=sha-256=HEX`
 * (`sha256=HEX` too), `user-agent` and `referer`; other checksum types and other options are
 * ignored with a warning. An item is emitted, with the line number of its URL line, when the
 * next URL line or the end of the input shows that its options are complete. Blank lines and
 * lines starting with `#` are skipped, as aria2c does.
 */
export async function* readAria2(lines: AsyncIterable<Line>, source: string): AsyncGenerator<InputEntry> {
  let block: Block | undefined;
  for await (const { number, text } of lines) {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (text.startsWith(' ') || text.startsWith('\t')) {
      if (block === undefined) {
        yield errorEntry(source, number, `option line ${show(trimmed)} has no URL line before it`);
        continue;
      }
      const note = applyOption(block, trimmed);
      if (note !== undefined && 'error' in note) {
        block.failed = true;
        yield errorEntry(source, number, note.error);
      } else if (note !== undefined) {
        yield warningEntry(source, number, note.warning);
      }
      continue;
    }
    if (block !== undefined) yield* finish(block, source);
    const [url = '', ...mirrors] = trimmed.split('\t').filter((uri) => uri.trim() !== '');
    block = {
      line: number,
      url: url.trim(),
      mirrors: mirrors.map((m) => m.trim()),
      headers: new Map(),
      failed: false,
    };
    for (const uri of [block.url, ...block.mirrors]) {
      const problem = urlProblem(uri);
      if (problem === undefined) continue;
      block.failed = true;
      yield errorEntry(source, number, problem);
      break;
    }
  }
  if (block !== undefined) yield* finish(block, source);
}

function* finish(block: Block, source: string): Generator<InputEntry> {
  if (block.failed) return;
  const path = joinAria2Path(block.dir, block.out);
  const checked = checkItem({
    url: block.url,
    mirrors: block.mirrors,
    ...(path === undefined ? {} : { path }),
    ...(block.sha256 === undefined ? {} : { sha256: block.sha256 }),
    headers: Object.fromEntries(block.headers.values()),
  });
  yield checked.ok
    ? itemEntry(source, block.line, checked.item)
    : errorEntry(source, block.line, checked.reason);
}

/** Applies one option line (already trimmed) to `block`. */
function applyOption(block: Block, option: string): Note {
  const eq = option.indexOf('=');
  if (eq <= 0) return { error: `expected an option as name=value, got ${show(option)}` };
  const name = option.slice(0, eq).trim().toLowerCase();
  const value = option.slice(eq + 1).trim();
  switch (name) {
    case 'out':
    case 'dir':
      if (value === '') return { error: `${name}= needs a value` };
      block[name] = value;
      return undefined;
    case 'header': {
      const colon = value.indexOf(':');
      if (colon <= 0) return { error: `expected header=Name: value, got ${show(option)}` };
      return setHeader(block, value.slice(0, colon).trim(), value.slice(colon + 1).trim());
    }
    case 'user-agent':
      return setHeader(block, 'User-Agent', value);
    case 'referer':
      if (value === '*') return { warning: 'referer=* (the URL itself) is not supported; ignored' };
      return setHeader(block, 'Referer', value);
    case 'checksum': {
      const sep = value.indexOf('=');
      if (sep <= 0) return { error: `expected checksum=TYPE=DIGEST, got ${show(option)}` };
      const type = value.slice(0, sep).trim().toLowerCase();
      if (type !== 'sha-256' && type !== 'sha256') {
        return { warning: `checksum type ${show(type)} is not supported (only sha-256); not verified` };
      }
      return setSha256(block, value.slice(sep + 1).trim());
    }
    case 'sha256':
      return setSha256(block, value);
    default:
      return { warning: `aria2c option ${show(name)} is not supported; ignored` };
  }
}

function setHeader(block: Block, name: string, value: string): Note {
  const problem = headerProblem(name, value);
  if (problem !== undefined) return { error: problem };
  const key = name.toLowerCase();
  const repeated = block.headers.has(key);
  block.headers.set(key, [name, value]);
  return repeated ? { warning: `header ${name} is given more than once; the last value is used` } : undefined;
}

function setSha256(block: Block, digest: string): Note {
  const sha256 = normalizeSha256(digest);
  if (sha256 === undefined) return { error: `sha-256 checksum must be 64 hex digits, got ${show(digest)}` };
  block.sha256 = sha256;
  return undefined;
}
