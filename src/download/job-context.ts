import type { ParafetchError } from '../errors/index.js';
import type { DirectoryGuard } from '../storage/safe-path.js';
import type { SyncWriteGate } from '../storage/small-file.js';
import type { HttpClient } from '../transport/client.js';
import type { CookieStore } from '../transport/cookies.js';
import type { AuthOptions } from './attempt-session.js';
import type { Claims } from './claims.js';
import type { ChooserOptions } from './destination.js';
import type { Store } from '../storage/store.js';
import type { DownloadJob } from './job.js';
import type { StoreJob } from './store-job.js';
import type { SplitSetting } from './split-plan.js';

/** What a job reads of the run's options. */
export interface JobOptions extends ChooserOptions, AuthOptions {
  userAgent: string;
  headers: Record<string, string>;
  maxRedirects: number;
  /** Connections per file at most, or 'auto' (see split-plan.ts). */
  split: SplitSetting;
  checkpointMs: number;
  /** Whether every file's SHA-256 is computed. */
  hash: boolean;
  /** Whether every file's data is synced to the device before its rename, small ones too. */
  durable: boolean;
  /** Bytes per second of each file, its ranges together; 0: no limit. */
  maxFileRate: number;
}

/** What a job needs from the run it belongs to. */
export interface JobContext {
  options: JobOptions;
  client: HttpClient;
  guard: DirectoryGuard;
  claims: Claims;
  /** Called after every chunk with its size; the receiver throttles. */
  progress(job: DownloadJob | StoreJob, bytes: number): void;
  /** Whether small files are written with direct calls (see SyncWriteGate). */
  syncWrites: SyncWriteGate;
  /** Delay before the n-th retry of one segment after `error`, or undefined to give up. */
  retryDelay(failures: number, error: ParafetchError): number | undefined;
  /**
   * Where the bytes go when not to the local folder's positional files (see storage/store.ts):
   * an item then goes through a StoreJob, one stream into one upload per attempt.
   */
  store?: Store;
  /** The run's cookies, when it keeps them (see CookieStore). */
  cookies?: CookieStore | undefined;
  /** The run's idle connections a split download may borrow (none when absent). */
  connections?: SpareConnections;
}

/**
 * Connections the run has but does not use: fewer downloads run than it may have at once. A
 * split download borrows them for more ranges of its file and gives each back when done, or
 * sooner, at the end of a range, once the run wants it for a download waiting to start.
 * A borrowed connection counts against the run's limit and its origin's, like a download.
 */
export interface SpareConnections {
  /** How many a download from `origin` could borrow now. */
  spare(origin: string): number;
  /** Borrows up to `n`; returns how many were lent (each must be given back once). */
  borrow(origin: string, n: number): number;
  giveBack(origin: string, n: number): void;
  /** Whether a download waits for a connection, so borrowed ones should come back. */
  wanted(): boolean;
  /** Calls `listener` whenever connections may have become spare; returns what unsubscribes it. */
  onSpare(listener: () => void): () => void;
}
