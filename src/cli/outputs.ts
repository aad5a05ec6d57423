import fs from 'node:fs/promises';
import path from 'node:path';
import { createItemWriter, detectFormat, type ItemWriter } from '../inputs/index.js';
import { jsonLine } from '../render/printable.js';
import { reportRecord, reportRoot } from '../render/report.js';
import { RunAggregator, writePage, type ReportLine, type RunInfo } from '../render/html/index.js';
import { VERSION, type DownloadResult, type RunSummary } from '../index.js';
import { LineFile } from './line-file.js';

/** `--report-html`: the run's page, aggregated as results arrive and written at the end. */
interface RunPage {
  file: string;
  aggregator: RunAggregator;
  run: RunInfo;
}

interface FailedList {
  file: LineFile;
  writer: ItemWriter;
  name: string;
}

/**
 * The files a run writes as results arrive: `--report` (every result, one JSON line) and
 * `--save-failed` (failed items as an input list, in the format the file's name says, so that
 * `parafetch -i FILE` reads it back as it was written). Items cancelled by an interrupt (status
 * `cancelled`) are not failures of their own and are not saved: the same command again resumes
 * them. The report has them, with `attempts` 0 for those that never started. `--report-html`
 * aggregates the same records as they come and writes its page when the run ends.
 */
export class RunOutputs {
  readonly #dir: string;
  readonly #report: LineFile | undefined;
  readonly #failed: FailedList | undefined;
  #page: RunPage | undefined;
  /** Called once, the first time an item loses a field in the --save-failed format. */
  readonly #onLoss: (message: string) => void;
  #lossReported = false;

  private constructor(
    dir: string,
    report: LineFile | undefined,
    failed: FailedList | undefined,
    onLoss: (message: string) => void,
  ) {
    this.#dir = dir;
    this.#report = report;
    this.#failed = failed;
    this.#onLoss = onLoss;
  }

  /** Opens (creates or truncates) the files; rejects, naming the file, when one cannot be written. */
  static async open(
    o: {
      dir: string;
      report: string | undefined;
      saveFailed: string | undefined;
      reportHtml?: string | undefined;
      /** What the page says of the run (its command, options). */
      run?: RunInfo;
    },
    onLoss: (message: string) => void,
  ): Promise<RunOutputs> {
    const report = o.report === undefined ? undefined : await LineFile.open(o.report);
    let failed: FailedList | undefined;
    if (o.saveFailed !== undefined) {
      const file = await LineFile.open(o.saveFailed);
      failed = { file, writer: createItemWriter(detectFormat(o.saveFailed)), name: o.saveFailed };
    }
    const outputs = new RunOutputs(reportRoot(o.dir), report, failed, onLoss);
    if (o.reportHtml !== undefined) {
      // Written at the end: its folder is checked now, so that a bad path is a usage error.
      try {
        await fs.access(path.dirname(path.resolve(o.reportHtml)), fs.constants.W_OK);
      } catch (err) {
        await outputs.close().catch(() => {});
        throw new Error(`cannot write ${o.reportHtml}: ${(err as Error).message}`, { cause: err });
      }
      // Redacted when drawn; a copy as JSON (no functions, no signal).
      const run = JSON.parse(JSON.stringify(o.run ?? {})) as RunInfo;
      outputs.#page = {
        file: o.reportHtml,
        aggregator: new RunAggregator(),
        run: { ...run, version: VERSION, startedAt: Date.now() },
      };
    }
    return outputs;
  }

  async add(result: DownloadResult): Promise<void> {
    const record = reportRecord(result, this.#dir);
    if (this.#report) await this.#report.write(`${jsonLine(record)}\n`);
    if (this.#page) {
      // A report without times of its own is timed by its arrival.
      const line: ReportLine & { endedAt?: unknown } = record;
      this.#page.aggregator.add(typeof line.endedAt === 'number' ? line : { ...line, endedAt: Date.now() });
    }
    const failed = this.#failed;
    if (!failed || result.status !== 'failed') return;
    const { line, loss } = failed.writer.write(result.item);
    if (loss !== undefined && !this.#lossReported) {
      this.#lossReported = true;
      this.#onLoss(
        `${failed.name} is written as ${failed.writer.format}, which leaves out ${loss} ` +
          `(first for ${result.url}); name it .jsonl to keep every field`,
      );
    }
    await failed.file.write(line);
  }

  /**
   * Ends the failed list (a CSV or TSV list that holds no item gets its header row), flushes and
   * closes both files, then writes the run page (`summary`: the run's, shown on it); rejects with
   * the first error.
   */
  async close(summary?: RunSummary): Promise<void> {
    const failed = this.#failed;
    const closeFailed = async () => {
      if (!failed) return;
      try {
        await failed.file.write(failed.writer.end());
      } finally {
        await failed.file.close();
      }
    };
    const results = await Promise.allSettled([this.#report?.close(), closeFailed()]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const page = this.#page;
    if (page) {
      this.#page = undefined;
      const run: RunInfo = { ...page.run, endedAt: Date.now() };
      if (summary) run.summary = { ...summary };
      await writePage(page.aggregator, run, page.file);
    }
  }
}
