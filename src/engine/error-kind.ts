import { DiskError, InternalError, ParafetchError } from '../errors/index.js';
import type { DirectoryGuard } from '../storage/safe-path.js';
import { toTransportError, type TimeoutsMs } from '../transport/errors.js';

/**
 * Any error an item's processing threw, as a ParafetchError routed by its kind: ours pass
 * through unchanged; a file-system call's error (it names a path) is a `DiskError`; what the
 * HTTP stack threw (undici, a socket, an abort) goes through the transport's mapper; anything
 * else is a bug and becomes an `InternalError` that keeps it as its cause, never a network code.
 */
export function asItemError(err: unknown, url: string, timeouts: TimeoutsMs): ParafetchError {
  if (err instanceof ParafetchError) return err;
  const e = err as { code?: unknown; syscall?: unknown; path?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (typeof e?.syscall === 'string' && typeof e.path === 'string') {
    return new DiskError((err as Error).message, err);
  }
  if (
    code.startsWith('UND_ERR') ||
    code === 'ABORT_ERR' ||
    e?.name === 'AbortError' ||
    (typeof e?.syscall === 'string' && code.startsWith('E'))
  ) {
    return toTransportError(err, url, timeouts);
  }
  return new InternalError(url, err);
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
