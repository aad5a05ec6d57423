import type { DownloadResult, RunSummary } from '../index.js';
import { formatBytes, formatCount, formatDuration, formatRate } from './format.js';

/** How the run ended, as the command saw it. */
export interface RunEnd {
  summary: RunSummary;
  /** Malformed input lines and unreadable inputs. */
  inputErrors: number;
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM. */
  interrupted: boolean;
}

/** Example URLs of the failures, a few per error code, so that memory stays bounded. */
export class FailureSamples {
  readonly #perCode: number;
  readonly #byCode = new Map<string, string[]>();

  constructor(perCode = 3) {
    this.#perCode = perCode;
  }

  add(result: DownloadResult): void {
    const code = result.error?.code;
    if (code === undefined) return;
    const urls = this.#byCode.get(code) ?? [];
    if (urls.length < this.#perCode) urls.push(result.url);
    this.#byCode.set(code, urls);
  }

  examples(code: string): readonly string[] {
    return this.#byCode.get(code) ?? [];
  }
}

/**
 * The end-of-run summary, as lines:
 * ```
 * Done: 118 ok, 2 skipped, 3 failed; 1.2 GiB in 1m12s (16.4 MiB/s)
 *   HTTP_404 ×2  https://a/x  https://a/y
 * ```
 * Failure codes are listed most frequent first. After an abort, the items it stopped are not
 * failures: they are counted apart, those that had started ("interrupted") and those that had
 * not ("not started"), e.g. `Stopped: 3 ok, 0 skipped, 0 failed, 16 interrupted, 240 not started; ...`.
 * Pure.
 */
export function summaryLines(end: RunEnd, samples: FailureSamples): string[] {
  const { summary } = end;
  const rate = summary.ms > 0 ? (summary.bytes * 1000) / summary.ms : 0;
  const counts = [
    `${formatCount(summary.ok)} ok`,
    `${formatCount(summary.skipped)} skipped`,
    `${formatCount(summary.failed)} failed`,
  ];
  if (summary.cancelled > 0) {
    counts.push(
      `${formatCount(summary.cancelled - summary.notStarted)} interrupted`,
      `${formatCount(summary.notStarted)} not started`,
    );
  }
  const lines = [
    `${end.interrupted || summary.aborted ? 'Stopped' : 'Done'}: ${counts.join(', ')}; ` +
      `${formatBytes(summary.bytes)} in ${formatDuration(summary.ms)} (${formatRate(rate)})`,
  ];
  const codes = Object.entries(summary.failuresByCode).sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  for (const [code, count] of codes) {
    const examples = samples.examples(code);
    const more = count > examples.length ? '  ...' : '';
    lines.push(`  ${code} ×${formatCount(count)}  ${examples.join('  ')}${more}`);
  }
  if (end.inputErrors > 0) {
    lines.push(
      `  ${formatCount(end.inputErrors)} input error${end.inputErrors === 1 ? '' : 's'} (reported above)`,
    );
  }
  if (end.interrupted) {
    lines.push('Interrupted. Run the same command again to resume: finished files are skipped.');
  }
  return lines;
}
