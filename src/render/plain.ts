import type { Downloader, DownloadResult, RetryEvent } from '../index.js';
import { formatBytes, formatDuration } from './format.js';
import { HumanRenderer, type HumanOptions } from './human.js';
import { relativePath } from './report.js';
import { statusLine, statusSampler } from './status.js';

/** How often plain output prints its status line. */
export const PLAIN_STATUS_EVERY_MS = 5000;

/**
 * The line of plain output for one result. Pure.
 * ```
 * ok       12.3 KiB  images/a.jpg  0.4s
 * skipped  12.3 KiB  images/a.jpg  exists
 * failed   HTTP_404  server answered 404 for https://host/x
 * failed   DISK_ERROR  https://host/y  cannot create ...   (the URL when the message lacks it)
 * ```
 */
export function resultLine(result: DownloadResult, dir: string): string {
  const where = relativePath(dir, result.path) ?? result.url;
  switch (result.status) {
    case 'ok':
      return `ok       ${formatBytes(result.bytes).padStart(9)}  ${where}  ${formatDuration(result.ms)}`;
    case 'skipped':
      return `skipped  ${formatBytes(result.bytes).padStart(9)}  ${where}  exists`;
    case 'failed': {
      const message = result.error?.message ?? '';
      const url = message.includes(result.url) ? '' : `${result.url}  `;
      return `failed   ${result.error?.code ?? 'ERROR'}  ${url}${message}`.trimEnd();
    }
    case 'cancelled':
      return `cancelled  ${where}`;
  }
}

/**
 * The line of plain output for a failed attempt that will be tried again: why, and when. Pure.
 * ```
 * retry    CONNECTION_REFUSED  http://host/x  connection refused by host:80  (attempt 1; again in 1.2s)
 * retry    HTTP_404  server answered 404 for https://a/x  (attempt 1; next URL now)
 * ```
 */
export function retryLine(e: RetryEvent): string {
  const { message } = e.error;
  const url = message.includes(e.url) ? '' : `${e.url}  `;
  const next = e.delayMs > 0 ? `again in ${formatDuration(e.delayMs)}` : 'next URL now';
  return `retry    ${e.error.code}  ${url}${message}  (attempt ${e.attempt}; ${next})`;
}

/**
 * For logs and pipes: one line per finished or failed item, one per retry, and a status line
 * every few seconds. Items cancelled by an interrupt are only counted in the summary.
 */
export class PlainRenderer extends HumanRenderer {
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HumanOptions, everyMs = PLAIN_STATUS_EVERY_MS) {
    super(options);
    this.#everyMs = everyMs;
  }

  override attach(downloader: Downloader): void {
    super.attach(downloader);
    const { dir } = this.options;
    downloader.on('result', (result) => {
      if (result.error?.code !== 'ABORTED') this.line(resultLine(result, dir));
    });
    downloader.on('retry', (e) => this.line(retryLine(e)));
    const sample = statusSampler(() => downloader.stats(), this.#everyMs * 2, this.#everyMs * 6);
    this.#timer = setInterval(() => this.line(statusLine(sample(Date.now()))), this.#everyMs);
    this.#timer.unref();
  }

  protected override stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
