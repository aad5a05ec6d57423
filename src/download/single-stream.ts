import { createHash, type Hash } from 'node:crypto';
import type { ParafetchError } from '../errors/index.js';
import { ChecksumMismatchError, DiskError, TruncatedBodyError } from '../errors/index.js';
import { FileSink } from '../storage/file-sink.js';
import { hashRange } from '../storage/hash-file.js';
import { writePartSync, writeSmallFileSync, type SyncWriteGate } from '../storage/small-file.js';
import type { HttpClient, HttpResponse } from '../transport/client.js';
import { discardBody } from '../transport/discard.js';
import { Checkpointer } from './checkpointer.js';
import type { DownloadState } from './download-state.js';
import { ifRangeValue } from './response.js';
import { readSmallBody } from './small-body.js';
import { receiveStream } from './stream-body.js';

/** What receiving one stream needs from its job and run. */
export interface StreamEnv {
  client: HttpClient;
  checkpointMs: number;
  syncWrites: SyncWriteGate;
  /** Whether the file's SHA-256 is computed. */
  wantsHash: boolean;
  /** After every chunk, with its size. */
  progress(n: number): void;
}

/**
 * Receives one response front to back into the part file, from `offset` (a resume) or from
 * zero. Resolves with the sink still open (flushed, for the commit), the size and the digest
 * of the whole file when asked; rejects when the body failed or was short, having recorded
 * where a later attempt continues.
 */
export async function receiveSingle(
  s: DownloadState,
  env: StreamEnv,
  res: HttpResponse,
  url: URL,
  offset: number,
  early: Promise<FileSink> | undefined,
): Promise<{ sink: FileSink; size: number; digest: string | undefined }> {
  let sink: FileSink | undefined;
  try {
    sink = await (early ?? FileSink.open(s.part, { truncate: offset === 0, realDir: s.realDir }));
    // Resuming: drop whatever lies past the bytes this attempt continues from.
    if (offset > 0) {
      await sink.assertHolds(offset);
      await sink.truncate(offset);
      // Resumed from an earlier run: the hash starts with the bytes already there.
      if (env.wantsHash && !s.hash) s.hash = await hashPrefix(sink, offset);
    }
  } catch (err) {
    discardBody(res);
    await sink?.close(true).catch(() => {});
    throw err;
  }

  const hash = s.hash;
  s.streamState = true; // what the checkpoint below writes
  const checkpoint = new Checkpointer(s, sink, env.checkpointMs);
  const received = await receiveStream({
    body: res.body,
    sink,
    from: offset,
    limit: s.limit,
    hash,
    onChunk: (at, n) => {
      s.bytes = at;
      env.progress(n);
    },
    asError: (err) => env.client.bodyError(err, url),
    url: url.href,
  });
  const { pos } = received;
  let failure = received.failure;
  await checkpoint.stop(failure !== undefined && !(failure instanceof DiskError));
  try {
    await sink.flush();
  } catch (err) {
    failure = err as ParafetchError;
  }
  if (failure instanceof DiskError) {
    await s.dropState(true);
    await sink.discard();
    s.restart();
    throw failure;
  }
  const short = s.total !== undefined && pos < s.total;
  if (failure || short) {
    await sink.close(true);
    if (short && (!failure || failure.code === 'CONNECTION_RESET')) {
      throw new TruncatedBodyError(s.total!, pos, url.href);
    }
    throw failure;
  }
  // The hash began with the first byte of this version and went on through every retry.
  const digest = hash?.digest('hex');
  s.hash = undefined;
  return { sink, size: pos, digest };
}

/** A hash fed the first `length` bytes of the part file. */
async function hashPrefix(sink: FileSink, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  const got = await hashRange(sink, hash, 0, length);
  if (got < length) throw new DiskError(`cannot read ${sink.path}: it ends at ${got}, not ${length}`);
  return hash;
}

/**
 * A small body from offset 0: kept in memory until complete and verified against `expected`,
 * then written and moved into place in one burst of direct calls. A partial body is kept in
 * the part file (with its state) for the next attempt.
 */
export async function receiveSmall(
  s: DownloadState,
  env: StreamEnv,
  res: HttpResponse,
  url: URL,
  total: number,
  expected: string | undefined,
): Promise<{ size: number; digest: string | undefined }> {
  const hash = s.hash;
  const { chunks, received, failure } = await readSmallBody(
    res.body,
    s.limit ?? total,
    hash,
    (at, n) => {
      s.bytes = at;
      env.progress(n);
    },
    (err) => env.client.bodyError(err, url),
    url.href,
  );
  if (failure || received < total) {
    if (received > 0 && ifRangeValue(s.validator) !== undefined) {
      // Keep what arrived so a retry, or a later run, continues from it (the hash so far
      // covers exactly those bytes).
      env.syncWrites.record(writePartSync(s.part, chunks, s.realDir));
      await s.saveStreamState().catch(() => {});
    } else {
      s.restart();
    }
    if (received < total && (!failure || failure.code === 'CONNECTION_RESET')) {
      throw new TruncatedBodyError(total, received, url.href);
    }
    throw failure;
  }
  const digest = hash?.digest('hex');
  s.hash = undefined;
  if (expected !== undefined && digest !== expected) {
    s.discarded = received;
    s.restart();
    throw new ChecksumMismatchError(expected, digest ?? '', url.href);
  }
  env.syncWrites.record(writeSmallFileSync(s.part, s.finalPath!, chunks, s.realDir));
  return { size: received, digest };
}
