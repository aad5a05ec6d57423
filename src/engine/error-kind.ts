import { DiskError, ParafetchError } from '../errors/index.js';
import type { DirectoryGuard } from '../storage/safe-path.js';
import { toTransportError, type TimeoutsMs } from '../transport/errors.js';

/** errno codes of the file system (a socket never gives them). */
const DISK_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'EACCES',
  'EPERM',
  'EEXIST',
  'ENOTDIR',
  'EISDIR',
  'ENAMETOOLONG',
  'ENOENT',
  'ELOOP',
  'EXDEV',
  'EFBIG',
  'EMFILE',
  'ENFILE',
  'EBADF',
]);

/**
 * Any error an item's processing threw, as a ParafetchError routed by its kind: ours pass
 * through unchanged; a file-system error (it names a path, or has a file-system errno) is a
 * `DiskError`; the rest goes through the transport's mapper, which gives a network, timeout or
 * abort code only to what it recognises as the HTTP stack's (undici, a socket, TLS, an abort):
 * anything else is a bug and becomes an `InternalError` that keeps it as its cause, never a
 * network code (which would also have it retried).
 */
export function asItemError(err: unknown, url: string, timeouts: TimeoutsMs): ParafetchError {
  if (err instanceof ParafetchError) return err;
  const e = err as { code?: unknown; syscall?: unknown; path?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (typeof e?.path === 'string' || DISK_CODES.has(code)) {
    const message = err instanceof Error ? err.message : String(err);
    const where = typeof e?.path === 'string' && !message.includes(e.path) ? ` (${e.path})` : '';
    return new DiskError(message + where, err);
  }
  return toTransportError(err, url, timeouts);
}

/**
 * Checks the download folder (creating it when needed): undefined when it can be used, else why
 * not as a DiskError naming it (a file there, no permission...), so that every item fails with
 * it before any request is sent.
 */
export async function checkFolder(guard: DirectoryGuard, dir: string): Promise<ParafetchError | undefined> {
  try {
    await guard.ensure(dir);
    return undefined;
  } catch (err) {
    if (err instanceof ParafetchError) return err;
    const why = err instanceof Error ? err.message : String(err);
    return new DiskError(`cannot use ${dir} as the download folder: ${why}`, err);
  }
}
