import { rename, rm, writeFile } from 'node:fs/promises';
import { RunAggregator } from './aggregator.js';
import { runPageHtml } from './page.js';
import type { ReportLine } from './records.js';
import type { RunInfo } from './view.js';

export { RunAggregator } from './aggregator.js';
export { runPageHtml } from './page.js';
export { readReport, readRunInfo, runFileOf } from './read-report.js';
export type { ReportLine } from './records.js';
export type { RunInfo, RunView } from './view.js';

/**
 * Writes the run page of `records` (a report's lines, as parsed objects) to `out`: one
 * self-contained HTML file. The records are read one at a time and aggregated; memory does not
 * grow with their number. The file is written whole under a temporary name, then renamed.
 */
export async function writeRunPage(
  records: AsyncIterable<ReportLine> | Iterable<ReportLine>,
  run: RunInfo,
  out: string,
): Promise<void> {
  const aggregator = new RunAggregator();
  for await (const record of records) aggregator.add(record);
  await writePage(aggregator, run, out);
}

/** Writes the page of what `aggregator` holds to `out` (whole, under a temporary name, then renamed). */
export async function writePage(aggregator: RunAggregator, run: RunInfo, out: string): Promise<void> {
  const html = await runPageHtml(aggregator.view(run));
  const temp = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(temp, html);
    await rename(temp, out);
  } catch (err) {
    await rm(temp, { force: true });
    throw new Error(`cannot write ${out}: ${(err as Error).message}`, { cause: err });
  }
}
