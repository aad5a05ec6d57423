import type { Downloader } from '../index.js';
import { printable } from './printable.js';
import type { InputProblem, OutputStream, Renderer } from './renderer.js';
import { FailureSamples, summaryLines, type RunEnd } from './summary.js';

/** Input errors (and, separately, warnings) printed before the rest are only counted. */
export const MAX_INPUT_PROBLEMS_SHOWN = 100;

export interface HumanOptions {
  /** Where every human-readable line goes (stderr). */
  stream: OutputStream;
  /** The download folder; paths are shown relative to it. */
  dir: string;
  /** Print only errors of the command and of its inputs: no item lines, no warnings, no summary. */
  quiet: boolean;
}

/**
 * What every human-readable renderer prints: input problems (the first hundred), errors and
 * notices, and the summary at the end. With `--progress none` this is all there is.
 */
export class HumanRenderer implements Renderer {
  protected readonly options: HumanOptions;
  protected readonly samples = new FailureSamples();
  readonly #shown = { error: 0, warning: 0 };

  constructor(options: HumanOptions) {
    this.options = options;
  }

  attach(downloader: Downloader): void {
    downloader.on('fail', (result) => this.samples.add(result));
  }

  inputProblem(problem: InputProblem): void {
    if (problem.kind === 'warning' && this.options.quiet) return;
    const shown = ++this.#shown[problem.kind];
    if (shown > MAX_INPUT_PROBLEMS_SHOWN) return;
    const prefix = problem.kind === 'warning' ? 'parafetch: warning: ' : 'parafetch: ';
    this.line(prefix + problem.message);
    if (shown === MAX_INPUT_PROBLEMS_SHOWN) {
      this.line(`parafetch: further input ${problem.kind}s are counted but not shown`);
    }
  }

  error(text: string): void {
    this.line(`parafetch: ${text}`);
  }

  notice(text: string): void {
    if (!this.options.quiet) this.line(`parafetch: ${text}`);
  }

  finish(end: RunEnd): void {
    this.stop();
    if (this.options.quiet) return;
    for (const line of summaryLines(end, this.samples)) this.options.stream.write(`${printable(line)}\n`);
  }

  abandon(): void {
    this.stop();
  }

  /** Writes one line, escaped (see `printable`); a live display puts it above itself. */
  protected line(text: string): void {
    this.options.stream.write(`${printable(text)}\n`);
  }

  /** Stops any timer and live display. */
  protected stop(): void {}
}
