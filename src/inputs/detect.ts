/** The manifest formats parafetch reads (and writes back for `--save-failed`). */
export type InputFormat = 'txt' | 'aria2' | 'csv' | 'tsv' | 'jsonl';

export const INPUT_FORMATS: readonly InputFormat[] = ['txt', 'aria2', 'csv', 'tsv', 'jsonl'];

export function isInputFormat(value: unknown): value is InputFormat {
  return typeof value === 'string' && (INPUT_FORMATS as readonly string[]).includes(value);
}

const BY_SUFFIX: readonly (readonly [string, InputFormat])[] = [
  ['.aria2.txt', 'aria2'],
  ['.aria2', 'aria2'],
  ['.csv', 'csv'],
  ['.tsv', 'tsv'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
];

/**
 * The format a manifest's name suggests. Pure. Case-insensitive; one trailing `.gz` is ignored
 * (compression is recognised from the content, not the name). `.aria2` and `.aria2.txt` mean an
 * aria2c input file (`.aria2` is also the suffix of aria2c's binary control files, which are
 * never manifests, so the name is free). Everything else, `.txt`, `.list`, `-` (stdin) and names
 * without an extension included, is a plain URL list.
 */
export function detectFormat(name: string): InputFormat {
  let base = (name.split(/[\\/]/).pop() ?? '').toLowerCase();
  if (base.endsWith('.gz')) base = base.slice(0, -3);
  for (const [suffix, format] of BY_SUFFIX) {
    if (base.endsWith(suffix) && base.length > suffix.length) return format;
  }
  return 'txt';
}
