import { FileSink } from '../storage/file-sink.js';

/** Opens a part file ahead of the response; a failure surfaces when the sink is awaited. */
export function openEarly(part: string, realDir: string | undefined): Promise<FileSink> {
  const p = FileSink.open(part, { truncate: true, realDir });
  p.catch(() => {});
  return p;
}

/** Undoes an early open when the response brought no file. */
export async function dropEarly(early: Promise<FileSink> | undefined): Promise<void> {
  if (!early) return;
  try {
    const sink = await early;
    await sink.discard();
  } catch {
    // Nothing was opened.
  }
}
