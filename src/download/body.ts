import { FileSink } from '../storage/file-sink.js';
import { removeQuietly } from '../storage/finalize.js';

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
