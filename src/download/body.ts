import { FileSink } from '../storage/file-sink.js';
import { removeQuietly } from '../storage/finalize.js';
import type { HttpResponse } from '../transport/client.js';
import { contentLength } from './response.js';

/** Error bodies larger than this close the connection instead of being drained. */
const DRAIN_LIMIT = 64 * 1024;

/** Opens a part file ahead of the response; a failure surfaces when the sink is awaited. */
export function openEarly(part: string): Promise<FileSink> {
  const p = FileSink.open(part, { truncate: true });
  p.catch(() => {});
  return p;
}

/** Undoes an early open when the response brought no file. */
export async function dropEarly(early: Promise<FileSink> | undefined): Promise<void> {
  if (!early) return;
  try {
    const sink = await early;
    await sink.close(true);
    await removeQuietly(sink.path);
  } catch {
    // Nothing was opened.
  }
}

/** Lets a body we do not want go: drained when small (the connection stays usable), else closed. */
export function discardBody(res: HttpResponse): void {
  res.body.on('error', () => {});
  const len = contentLength(res.headers);
  if (len !== undefined && len <= DRAIN_LIMIT) res.body.resume();
  else res.body.destroy();
}
