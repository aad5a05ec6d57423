import { errorEntry, itemEntry, warningEntry, type InputEntry } from './entry.js';
import { overlongReason, type Line } from './lines.js';
import { normalizeSha256 } from '../download/rules.js';
import { checkItem, countProblem, headerProblem, show, urlProblem } from './validate.js';

/** Most option lines one item may have. */
export const MAX_OPTION_LINES = 1000;
/** Most characters the option lines of one item may hold together. */
export const MAX_OPTION_CHARS = 1 << 20;

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
  /** Option lines and their characters so far, counted even after an error. */
  optionLines: number;
  optionChars: number;
  /** Set once a bound was passed: the block's further lines are dropped without a note. */
  overBound: boolean;
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
 *
 * aria2c holds every option line of an item; here an item is bounded: past MAX_OPTION_LINES
 * option lines, MAX_OPTION_CHARS characters of them, MAX_HEADERS headers or MAX_MIRRORS mirrors,
 * the item is dropped with one error naming the line, and its further option lines are read
 * and skipped without being held.
 */
export async function* readAria2(lines: AsyncIterable<Line>, source: string): AsyncGenerator<InputEntry> {
  let block: Block | undefined;
  for await (const line of lines) {
    const { number, text } = line;
    const trimmed = text.trim();
    if (!line.overlong && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (text.startsWith(' ') || text.startsWith('\t')) {
      if (block === undefined) {
        yield errorEntry(source, number, `option line ${show(trimmed)} has no URL line before it`);
        continue;
      }
      if (block.overBound) continue;
      const bound = boundProblem(block, text.length);
      const note: Note =
        bound ?? (line.overlong ? { error: overlongReason(line) } : applyOption(block, trimmed));
      if (bound !== undefined) block.overBound = true;
      if (note !== undefined && 'error' in note) {
        block.failed = true;
        yield errorEntry(source, number, note.error);
      } else if (note !== undefined) {
        yield warningEntry(source, number, note.warning);
      }
      continue;
    }
    if (block !== undefined) yield* finish(block, source);
    const [url = '', ...mirrors] = line.overlong
      ? []
      : trimmed.split('\t').filter((uri) => uri.trim() !== '');
    block = {
      line: number,
      url: url.trim(),
      mirrors: mirrors.map((m) => m.trim()),
      headers: new Map(),
      failed: false,
      optionLines: 0,
      optionChars: 0,
      overBound: false,
    };
    const problem = line.overlong
      ? overlongReason(line)
      : (countProblem('mirrors', mirrors.length) ??
        [block.url, ...block.mirrors].map(urlProblem).find(Boolean));
    if (problem !== undefined) {
      block.failed = true;
      yield errorEntry(source, number, problem);
    }
  }
  if (block !== undefined) yield* finish(block, source);
}

/**
 * Counts one more option line of `chars` characters; says why the item is dropped once the
 * block passes a bound, so that an item holds bounded memory whatever its input.
 */
function boundProblem(block: Block, chars: number): { error: string } | undefined {
  block.optionLines += 1;
  block.optionChars += chars;
  const why =
    block.optionLines > MAX_OPTION_LINES
      ? `more than ${MAX_OPTION_LINES} option lines`
      : block.optionChars > MAX_OPTION_CHARS
        ? `option lines longer than ${MAX_OPTION_CHARS} characters in total`
        : undefined;
  if (why === undefined) return undefined;
  return {
    error: `${why}: the item of line ${block.line} is dropped, and its further option lines are skipped`,
  };
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
  const tooMany = repeated ? undefined : countProblem('headers', block.headers.size + 1);
  if (tooMany !== undefined) {
    block.overBound = true;
    return {
      error: `${tooMany}: the item of line ${block.line} is dropped, and its further option lines are skipped`,
    };
  }
  block.headers.set(key, [name, value]);
  return repeated ? { warning: `header ${name} is given more than once; the last value is used` } : undefined;
}

function setSha256(block: Block, digest: string): Note {
  const sha256 = normalizeSha256(digest);
  if (sha256 === undefined) return { error: `sha-256 checksum must be 64 hex digits, got ${show(digest)}` };
  block.sha256 = sha256;
  return undefined;
}
