import type { DownloadItem } from '../download/item.js';
import { InputError } from '../errors/index.js';

/**
 * One thing read from a manifest, in input order: an item ready to download, a line that could
 * not be read (reading goes on with the next line), or a note about something ignored.
 */
export type InputEntry =
  | { kind: 'item'; item: DownloadItem; source: string; line: number }
  | { kind: 'error'; error: InputError }
  | { kind: 'warning'; source: string; line: number; message: string };

export function itemEntry(source: string, line: number, item: DownloadItem): InputEntry {
  return { kind: 'item', item, source, line };
}

export function errorEntry(source: string, line: number, reason: string): InputEntry {
  return { kind: 'error', error: new InputError(source, line, reason) };
}

export function warningEntry(source: string, line: number, message: string): InputEntry {
  return { kind: 'warning', source, line, message };
}
