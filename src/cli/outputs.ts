import type { DownloadResult } from '../index.js';
import { createItemWriter, detectFormat, type ItemWriter } from '../inputs/index.js';
import { jsonLine } from '../render/printable.js';
import { reportRecord, reportRoot } from '../render/report.js';
import { LineFile } from './line-file.js';

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
 * them. The report has them, with `attempts` 0 for those that never started.
 */
export class RunOutputs {
  readonly #dir: string;
  readonly #report: LineFile | undefined;
  readonly #failed: FailedList | undefined;
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
    o: { dir: string; report: string | undefined; saveFailed: string | undefined },
    onLoss: (message: string) => void,
  ): Promise<RunOutputs> {
    const report = o.report === undefined ? undefined : await LineFile.open(o.report);
    let failed: FailedList | undefined;
    if (o.saveFailed !== undefined) {
      const file = await LineFile.open(o.saveFailed);
      failed = { file, writer: createItemWriter(detectFormat(o.saveFailed)), name: o.saveFailed };
    }
    return new RunOutputs(reportRoot(o.dir), report, failed, onLoss);
  }

  async add(result: DownloadResult): Promise<void> {
    if (this.#report) await this.#report.write(`${jsonLine(reportRecord(result, this.#dir))}\n`);
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
   * closes both files; rejects with the first error.
   */
  async close(): Promise<void> {
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
  }
}
