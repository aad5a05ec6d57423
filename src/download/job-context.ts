import type { ParafetchError } from '../errors/index.js';
import type { DirectoryGuard } from '../storage/safe-path.js';
import type { SyncWriteGate } from '../storage/small-file.js';
import type { HttpClient } from '../transport/client.js';
import type { Claims } from './claims.js';
import type { ChooserOptions } from './destination.js';
import type { DownloadJob } from './job.js';

/** What a job reads of the run's options. */
export interface JobOptions extends ChooserOptions {
  userAgent: string;
  headers: Record<string, string>;
  maxRedirects: number;
  split: number;
  checkpointMs: number;
  /** Whether every file's SHA-256 is computed. */
  hash: boolean;
  /** Whether every file's data is synced to the device before its rename, small ones too. */
  durable: boolean;
}

/** What a job needs from the run it belongs to. */
export interface JobContext {
  options: JobOptions;
  client: HttpClient;
  guard: DirectoryGuard;
  claims: Claims;
  /** Called after every chunk with its size; the receiver throttles. */
  progress(job: DownloadJob, bytes: number): void;
  /** Whether small files are written with direct calls (see SyncWriteGate). */
  syncWrites: SyncWriteGate;
  /** Delay before the n-th retry of one segment after `error`, or undefined to give up. */
  retryDelay(failures: number, error: ParafetchError): number | undefined;
}
