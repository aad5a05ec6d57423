import type { Claims } from '../download/claims.js';
import type { JobContext } from '../download/job.js';
import { DirectoryGuard } from '../storage/safe-path.js';
import { SyncWriteGate } from '../storage/small-file.js';
import type { Store } from '../storage/store.js';
import type { HttpClient } from '../transport/client.js';
import { JarCookies } from '../transport/cookies.js';
import type { NormalizedOptions } from './options.js';
import { decideRetry } from './retry-policy.js';

/** What the jobs of one event loop share: the run's options, a client, the claims, the store when not the local folder. */
export function jobContext(
  options: NormalizedOptions,
  client: HttpClient,
  claims: Claims,
  progress: JobContext['progress'],
  store?: Store,
): JobContext {
  return {
    ...(store ? { store } : {}),
    options,
    client,
    guard: new DirectoryGuard(options.dir),
    claims,
    progress,
    // The thread that holds the jar: a worker thread has none, and sets its own (see thread.ts).
    cookies: options.cookies?.jar && new JarCookies(options.cookies.jar),
    syncWrites: new SyncWriteGate(),
    retryDelay: (failures, error) => {
      const d = decideRetry({ attempt: failures, error, now: Date.now(), random: Math.random() }, options);
      return d.retry ? d.delayMs : undefined;
    },
  };
}
