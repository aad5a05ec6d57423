import type { ParafetchError } from '../errors/index.js';
import { DiskError, RemoteChangedError } from '../errors/index.js';
import { FileSink } from '../storage/file-sink.js';
import { discardBody } from '../transport/discard.js';
import type { DownloadState } from './download-state.js';
import type { ByteBudget } from '../transport/byte-budget.js';
import type { HttpClient, HttpResponse } from '../transport/client.js';
import type { Session } from '../transport/session.js';
import { Checkpointer, type CheckpointSubject } from './checkpointer.js';
import { PrefixHasher } from './prefix-hash.js';
import type { SpareConnections } from './job-context.js';
import type { Validator } from './response.js';
import { fetchSegments, type MoreConnections, type RangeSink } from './segmented.js';
import { rangesEnd, type SegmentTable, type StealPolicy } from './segments.js';

/** Ranges smaller than twice this are not split again by work stealing. */
const STEAL_MIN = 32 * 1024;
/** A range that ends sooner than this is not split (raised to a few round trips once they are seen). */
const STEAL_MIN_MS = 50;

export function stealPolicy(minSplitSize: number): StealPolicy {
  return { minBytes: Math.min(STEAL_MIN, minSplitSize), minMs: STEAL_MIN_MS };
}

/** One segmented attempt into a part file already laid out in full. */
export interface SegmentedReceive {
  /** The download whose state the checkpoints record. */
  subject: CheckpointSubject;
  sink: FileSink;
  table: SegmentTable;
  client: HttpClient;
  url: URL;
  headers: Record<string, string>;
  session: Session | undefined;
  validator: Validator;
  options: { minSplitSize: number; checkpointMs: number; maxRedirects: number };
  /** The file's rate limit, shared by its ranges. */
  budget: ByteBudget | undefined;
  /** Connections to start with, the first included (those beyond it borrowed from `more`). */
  connections: number;
  /** The most connections the file may have at once. */
  cap: number;
  /** The run's idle connections, borrowed while the file downloads. */
  more: MoreConnections | undefined;
  /** Whether the file's SHA-256 is computed as the ranges arrive. */
  hashed: boolean;
  signal: AbortSignal;
  /** A response already streaming the first segment (from `bytes=0-`), if any. */
  first: HttpResponse | undefined;
  retryDelay(failures: number, error: ParafetchError): number | undefined;
  onBytes(n: number): void;
}

/**
 * Fetches the table's missing ranges, recording checkpoints as they arrive. On success every
 * byte is written (the sink stays open, for the commit) and the digest computed when asked; on
 * failure the sink is closed, an interrupted download's position recorded, and the failure
 * returned.
 */
export async function receiveSegmented(
  r: SegmentedReceive,
): Promise<{ failure?: ParafetchError; digest?: string | undefined }> {
  const { sink, table, options } = r;
  // A crash may lose what arrived since the last checkpoint: keep that under one segment per connection.
  const checkpoint = new Checkpointer(
    r.subject,
    sink,
    options.checkpointMs,
    (r.cap * options.minSplitSize) / 2,
  );
  const hasher = r.hashed ? new PrefixHasher(sink, table) : undefined;
  try {
    await fetchSegments({
      client: r.client,
      url: r.url,
      headers: r.headers,
      session: r.session,
      validator: r.validator,
      table,
      // Bytes that continue the hashed prefix are hashed on their way to the file.
      sink: hasher ? hashedOnTheWay(sink, hasher) : sink,
      connections: r.connections,
      cap: r.cap,
      ...(r.more ? { more: r.more } : {}),
      maxRedirects: options.maxRedirects,
      budget: r.budget,
      signal: r.signal,
      ...(r.first ? { first: { response: r.first, segment: table.take()! } } : {}),
      retryDelay: r.retryDelay,
      onBytes: (n) => {
        checkpoint.advance(n);
        hasher?.advance(n);
        r.onBytes(n);
      },
    });
  } catch (err) {
    const failure = err as ParafetchError;
    await checkpoint.stop(!(failure instanceof RemoteChangedError) && !(failure instanceof DiskError));
    await hasher?.close();
    await sink.close(true).catch(() => {});
    return { failure };
  }
  await checkpoint.stop(false);
  try {
    await sink.flush();
    return { digest: await hasher?.finish() };
  } catch (err) {
    await sink.close(true).catch(() => {});
    return { failure: err as ParafetchError };
  } finally {
    await hasher?.close();
  }
}

/** What a segmented attempt needs from its job and run. */
export interface SegmentedEnv {
  client: HttpClient;
  url: URL;
  headers: Record<string, string>;
  session: Session | undefined;
  options: SegmentedReceive['options'];
  budget: ByteBudget | undefined;
  /** Connections to start with, the first included. */
  connections: number;
  /** The most connections the file may have at once. */
  cap: number;
  /** The run's idle connections, and the origin they are borrowed for. */
  spare: SpareConnections | undefined;
  origin: string;
  hashed: boolean;
  signal: AbortSignal;
  first: HttpResponse | undefined;
  /** The part file opened ahead of the first response, if it was. */
  early: Promise<FileSink> | undefined;
  retryDelay(failures: number, error: ParafetchError): number | undefined;
  progress(n: number): void;
}

/**
 * One attempt at the missing ranges of `s.table`: the part file is laid out in full (after a
 * single stream's state there is replaced by one naming its range), the ranges fetched, and
 * the sink returned open for the commit. A changed remote file drops the state and sends later
 * attempts to a single stream from zero.
 */
export async function segmentedAttempt(
  s: DownloadState,
  env: SegmentedEnv,
): Promise<{ sink: FileSink; digest: string | undefined }> {
  const table = s.table!;
  const { first } = env;
  if (first) await s.dropState();
  let sink: FileSink | undefined;
  try {
    sink = await (env.early ?? FileSink.open(s.part, { truncate: first !== undefined, realDir: s.realDir }));
    if (!first) await sink.assertHolds(rangesEnd(table.doneRanges()));
    await s.stateAsRanges(sink);
    await sink.truncate(table.size);
  } catch (err) {
    if (first) discardBody(first);
    await sink?.close(true).catch(() => {});
    throw err;
  }
  const outcome = await receiveSegmented({
    subject: s,
    sink,
    table,
    client: env.client,
    url: env.url,
    headers: env.headers,
    session: env.session,
    validator: s.validator!,
    options: env.options,
    budget: env.budget,
    connections: env.connections,
    cap: env.cap,
    more: env.spare && borrowing(env.spare, env.origin),
    hashed: env.hashed,
    signal: env.signal,
    first,
    retryDelay: env.retryDelay,
    onBytes: (n) => {
      s.bytes += n;
      env.progress(n);
    },
  });
  if (outcome.failure) {
    if (outcome.failure instanceof RemoteChangedError) {
      await s.dropState(true);
      s.table = undefined;
      s.noSplit = true;
      s.restart();
    }
    throw outcome.failure;
  }
  return { sink, digest: outcome.digest };
}

/** One file's view of the run's idle connections: borrowed one at a time, for its origin. */
function borrowing(spare: SpareConnections, origin: string): MoreConnections {
  return {
    borrow: () => spare.borrow(origin, 1) === 1,
    giveBack: () => spare.giveBack(origin, 1),
    wanted: () => spare.wanted(),
    onSpare: (listener) => spare.onSpare(listener),
  };
}

/** `sink`, with each chunk shown to `hasher` before it is queued. */
function hashedOnTheWay(sink: FileSink, hasher: PrefixHasher): RangeSink {
  return {
    write: (chunk, pos) => {
      hasher.wrote(chunk, pos);
      return sink.write(chunk, pos);
    },
    drained: () => sink.drained(),
  };
}
