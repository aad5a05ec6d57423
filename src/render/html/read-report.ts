import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { gunzipIfCompressed } from '../../inputs/gzip.js';
import type { ReportLine } from './records.js';
import type { RunInfo } from './view.js';

/**
 * The records of a `--report` file, one at a time (gzipped or not, told by its content). A line
 * that is not a JSON object is counted in `onBadLine` and skipped.
 */
export async function* readReport(
  file: string,
  onBadLine: (line: number) => void = () => {},
): AsyncGenerator<ReportLine> {
  const lines = createInterface({
    input: Readable.from(gunzipIfCompressed(createReadStream(file))),
    crlfDelay: Infinity,
  });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      onBadLine(n);
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) yield value as ReportLine;
    else onBadLine(n);
  }
}

/** The sidecar of a report: `r.jsonl` → `r.run.json` (also for `r.jsonl.gz`, `r.json`). Pure. */
export function runFileOf(report: string): string {
  return `${report.replace(/(\.jsonl?|\.ndjson)?(\.gz)?$/i, '')}.run.json`;
}

/** The run's sidecar file, its fields of the expected types; `{}` when it is absent or unreadable. */
export async function readRunInfo(file: string): Promise<RunInfo> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return {};
  }
  return runInfoOf(value);
}

/** The fields of `value` that a `RunInfo` has, where they have their type. Pure. */
export function runInfoOf(value: unknown): RunInfo {
  if (value === null || typeof value !== 'object') return {};
  const v = value as Record<string, unknown>;
  const info: RunInfo = {};
  if (typeof v.version === 'string') info.version = v.version;
  if (typeof v.startedAt === 'number') info.startedAt = v.startedAt;
  if (typeof v.endedAt === 'number') info.endedAt = v.endedAt;
  if (Array.isArray(v.argv)) info.argv = v.argv.map(String);
  if (isObject(v.options)) info.options = v.options;
  if (isObject(v.summary)) info.summary = v.summary;
  return info;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
