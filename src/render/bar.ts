import cliProgress from 'cli-progress';
import type { Downloader } from '../index.js';
import { ActiveDownloads } from './active.js';
import { HumanRenderer, type HumanOptions } from './human.js';
import { relativePath } from './report.js';
import { resultLine } from './plain.js';
import { printable } from './printable.js';
import { activeLine, barLine, countsLine, statusSampler } from './status.js';
import { truncate, wrap } from './width.js';

/** Redraws per second of the live display (it reads `stats()` on each, never per chunk). */
export const BAR_FPS = 8;
/** How many of the slowest downloads in flight the display lists. */
export const SLOWEST_SHOWN = 3;

/**
 * The live display on a terminal (cli-progress): overall bar, bytes done of the total, rate and
 * ETA; files and the counters; the slowest downloads in flight. Failures are printed above it as
 * they happen. Every line of it fits the terminal's width, measured when drawn: the display
 * turns the terminal's line wrapping off while it runs, so a longer line would not wrap but pile
 * its overflow into the last column. A line printed above it is wrapped to the width instead
 * (it stays in the scrollback, whole).
 */
export class BarRenderer extends HumanRenderer {
  #multibar: cliProgress.MultiBar | undefined;
  /** The terminal's width now, in columns. */
  #columns: () => number = () => 80;

  constructor(options: HumanOptions) {
    super(options);
  }

  override attach(downloader: Downloader): void {
    super.attach(downloader);
    const { stream, dir } = this.options;
    const active = new ActiveDownloads();
    downloader.on('start', (e) => active.start(e, Date.now()));
    downloader.on('progress', (e) => active.progress(e));
    downloader.on('retry', (e) => active.retry(e));
    downloader.on('result', (result) => {
      active.end(result.index);
      if (result.status === 'failed' && result.error?.code !== 'ABORTED') this.line(resultLine(result, dir));
    });

    const multibar = new cliProgress.MultiBar({
      stream: stream as NodeJS.WritableStream,
      fps: BAR_FPS,
      hideCursor: true,
      clearOnComplete: true,
      // Forced with --progress bar on a non-terminal: print the display once a second.
      noTTYOutput: stream.isTTY !== true,
      notTTYSchedule: 1000,
      format: (_options, params, payload: { text: string }) =>
        truncate(printable(payload.text), params.maxWidth - 1),
    });
    // As cli-progress measures it (params.maxWidth above).
    this.#columns = () => stream.columns || (stream.isTTY === true ? 80 : 200);
    this.#multibar = multibar;
    const slots = Math.min(SLOWEST_SHOWN, downloader.options.concurrency);
    const lines = Array.from({ length: 2 + slots }, () => multibar.create(1, 0, { text: '' }));

    const sample = statusSampler(() => downloader.stats(), 5000, 20_000);
    multibar.on('update-pre', () => {
      const now = Date.now();
      const width = this.#columns() - 1;
      const view = sample(now);
      const { stats } = view;
      lines[0]!.update({ text: barLine(view, width) });
      lines[1]!.update({ text: countsLine(stats) });
      const slowest = active.slowest(slots, now);
      for (let i = 0; i < slots; i++) {
        const a = slowest[i];
        const name = a ? printable(relativePath(dir, a.path) ?? a.url) : '';
        lines[2 + i]!.update({ text: a ? activeLine(a, name, now, width) : '' });
      }
    });
  }

  protected override line(text: string): void {
    const multibar = this.#multibar;
    if (!multibar) return super.line(text);
    // Each row is written over a row of the display: what is left of that row is cleared (ESC [K).
    const clear = this.options.stream.isTTY === true ? '\x1b[K' : '';
    for (const row of wrap(printable(text), this.#columns() - 1)) multibar.log(`${row}${clear}\n`);
  }

  protected override stop(): void {
    const multibar = this.#multibar;
    if (!multibar) return;
    this.#multibar = undefined;
    multibar.update(); // flushes the lines logged since the last redraw
    multibar.stop();
  }
}
