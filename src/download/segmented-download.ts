import type { ParafetchError } from '../errors/index.js';
import { DiskError, RemoteChangedError } from '../errors/index.js';
import type { FileSink } from '../storage/file-sink.js';
import type { HttpClient, HttpResponse } from '../transport/client.js';
import { Checkpointer, type CheckpointSubject } from './checkpointer.js';
import { PrefixHasher } from './prefix-hash.js';
import type { Validator } from './response.js';
import { fetchSegments } from './segmented.js';
import type { SegmentTable, StealPolicy } from './segments.js';

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
  validator: Validator;
  options: { split: number; minSplitSize: number; checkpointMs: number; maxRedirects: number };
  realDir: string | undefined;
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
    (options.split * options.minSplitSize) / 2,
    r.realDir,
  );
  const hasher = r.hashed ? new PrefixHasher(sink, table) : undefined;
  try {
    await fetchSegments({
      client: r.client,
      url: r.url,
      headers: r.headers,
      validator: r.validator,
      table,
      sink,
      connections: options.split,
      maxRedirects: options.maxRedirects,
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
