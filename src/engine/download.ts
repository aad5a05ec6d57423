import type { DownloadResult } from '../download/item.js';
import { answerWholeInput, Downloader } from './downloader.js';
import type { ItemSource } from './input.js';
import type { DownloadOptions } from './options.js';

/**
 * Downloads every item; resolves with one result per item, in input order. Never rejects for
 * failed items. After an abort (or with a signal already aborted) it still reads the whole
 * input and answers every item not finished `cancelled`, without a request for those not
 * started (so with an endless input it never resolves, abort or not).
 */
export async function download(items: ItemSource, options: DownloadOptions = {}): Promise<DownloadResult[]> {
  const downloader = new Downloader(items, options);
  answerWholeInput(downloader);
  const results: DownloadResult[] = [];
  downloader.on('result', (r) => results.push(r));
  await downloader.run();
  return results.sort((a, b) => a.index - b.index);
}
