import { createHash, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ParafetchError } from '../errors/index.js';
import {
  ChecksumMismatchError,
  DiskError,
  InvalidOptionError,
  HttpStatusError,
  RemoteChangedError,
  TruncatedBodyError,
} from '../errors/index.js';
import type { NormalizedOptions } from '../engine/options.js';
import type { DirectoryGuard } from '../storage/safe-path.js';
import { resolveInside } from '../storage/safe-path.js';
import { FileSink } from '../storage/file-sink.js';
import {
  commit,
  exists,
  existingSize,
  partPathFor,
  removeQuietly,
  numberedName,
} from '../storage/finalize.js';
import { hashFile } from '../storage/hash-file.js';
import {
  existingSizeSync,
  writePartSync,
  writeSmallFileSync,
  type SyncWriteGate,
} from '../storage/small-file.js';
import { loadState, saveState, statePathFor, type ResumeState } from '../storage/resume-state.js';
import { discardBody } from '../transport/discard.js';
import { dropEarly, openEarly } from './body.js';
import { Checkpointer } from './checkpointer.js';
import { fetchSegments } from './segmented.js';
import { PrefixHasher } from './prefix-hash.js';
import { normalizeHeaders, normalizeSha256 } from './rules.js';
import { SegmentTable, missingRanges, planSegments, type ByteRange, type StealPolicy } from './segments.js';
import type { HttpClient, HttpResponse } from '../transport/client.js';
import { getFollowingRedirects, parseHttpUrl } from '../transport/redirects.js';
import type { DestinationClaims } from './claims.js';
import type { DownloadItem, DownloadResult, ResultStatus } from './item.js';
import { nameFromContentDisposition, nameFromUrl } from './naming.js';
import { contentLength, header } from '../transport/headers.js';
import {
  ifRangeValue,
  parseContentRange,
  readValidator,
  validatorChanged,
  type Validator,
} from './response.js';

/** What a job needs from the run it belongs to. */
export interface JobContext {
  options: NormalizedOptions;
  client: HttpClient;
  guard: DirectoryGuard;
  claims: DestinationClaims;
  /** Called after every chunk with its size; the receiver throttles. */
  progress(job: DownloadJob, bytes: number): void;
  /** Whether small files are written with direct calls (see SyncWriteGate). */
  syncWrites: SyncWriteGate;
  /** Delay before the n-th retry of one segment after `error`, or undefined to give up. */
  retryDelay(failures: number, error: ParafetchError): number | undefined;
}

/** Ranges smaller than twice this are not split again by work stealing. */
const STEAL_MIN = 32 * 1024;
/** A range that ends sooner than this is not split (raised to a few round trips once they are seen). */
const STEAL_MIN_MS = 50;

function stealPolicy(minSplitSize: number): StealPolicy {
  return { minBytes: Math.min(STEAL_MIN, minSplitSize), minMs: STEAL_MIN_MS };
}

/**
 * Rejects, before any request, item fields that could never work: a header that cannot be
 * sent, a checksum that is not a SHA-256. (Found later, they would be retried as network errors.)
 */
function checkFields(item: DownloadItem): void {
  normalizeHeaders('item.headers', item.headers);
  if (item.sha256 !== undefined && (typeof item.sha256 !== 'string' || !normalizeSha256(item.sha256))) {
    throw new InvalidOptionError('item.sha256', 'a SHA-256 of 64 hexadecimal digits', item.sha256);
  }
}

/** Waves of pieces in a split download that is hashed (see #pieceCount). */
const HASH_WAVES = 4;

/** Bodies up to this size are received in memory and written in one burst. */
const SMALL_BODY = 256 * 1024;

/**
 * One item from plan to final file: decide the destination, fetch, verify, move into place.
 * A job lives across attempts, so a retry after a partial body continues where the bytes on
 * disk end (Range + If-Range) when the server allows it, and starts over cleanly otherwise.
 */
export class DownloadJob {
  readonly index: number;
  readonly item: DownloadItem;
  readonly #ctx: JobContext;
  readonly startedAt = Date.now();
  attempts = 0;
  /** Where the file will appear, once decided. */
  finalPath: string | undefined;
  /** Bytes of the current version on disk in the part file, from offset 0. */
  bytes = 0;
  /** Full size, when the server said. */
  total: number | undefined;
  /** When the last progress event of this job went out (kept by the engine). */
  progressAt = 0;
  #urls: URL[] = [];
  #folder = '';
  #validator: Validator | undefined;
  #hash: Hash | undefined;
  #release: (() => void) | undefined;
  /** The segments of a ranged download; kept across attempts to resume them. */
  #table: SegmentTable | undefined;
  /** Set once ranges proved unreliable for this file: later attempts use one stream. */
  #noSplit = false;
  /** Whether the destination's folder was created by this run. */
  #freshFolder = false;
  /** Whether a resume state file may exist beside the part file (so it must be removed). */
  stateOnDisk = false;

  constructor(index: number, item: DownloadItem, ctx: JobContext) {
    this.index = index;
    this.item = item;
    this.#ctx = ctx;
  }

  get url(): string {
    return this.item.url;
  }

  /**
   * Parses the URLs and decides the destination when it does not depend on the response.
   * Resolves with a result when the item needs no request (skipped), else undefined.
   */
  async prepare(): Promise<DownloadResult | undefined> {
    const { options, claims } = this.#ctx;
    this.#urls = [this.item.url, ...(this.item.mirrors ?? [])].map(parseHttpUrl);
    checkFields(this.item);
    this.#folder = options.dir;
    if (this.item.path !== undefined) {
      const { abs, isDir } = resolveInside(options.dir, this.item.path);
      if (!isDir) return this.#settleAndLoad(abs);
      this.#folder = abs;
    }
    if (options.contentDisposition) return undefined;
    return this.#settleAndLoad(claims.uniqueDerived(path.join(this.#folder, nameFromUrl(this.#urls[0]!))));
  }

  async #settleAndLoad(target: string): Promise<DownloadResult | undefined> {
    const skipped = await this.#settle(target);
    // A folder this run created holds no partial download of an earlier run.
    if (!skipped && !this.#freshFolder) await this.#loadResumeState();
    return skipped;
  }

  /** Picks up a partial download an earlier run left, when its state can be trusted. */
  async #loadResumeState(): Promise<void> {
    const part = partPathFor(this.finalPath!);
    if (this.#ctx.syncWrites.enabled && !existsSync(statePathFor(part))) return;
    const state = await loadState(statePathFor(part));
    if (!state) return;
    this.stateOnDisk = true;
    if (state === 'invalid') return;
    const known = [this.item.url, ...(this.item.mirrors ?? [])];
    const validator: Validator = {};
    if (state.etag) validator.etag = state.etag;
    if (state.lastModified) validator.lastModified = state.lastModified;
    if (!known.includes(state.url) || ifRangeValue(validator) === undefined) return;
    const partSize = await existingSize(part);
    if (partSize === undefined || partSize > state.size) return;
    // A single stream's part file holds bytes [0, its length); a segmented one, every
    // recorded range (it is laid out in full before the first write).
    const done: ByteRange[] = state.stream ? [[0, partSize]] : state.done;
    if (!state.stream && partSize < done.reduce((end, [, b]) => Math.max(end, b), 0)) return;
    const { minSplitSize } = this.#ctx.options;
    const pieces = planSegments(missingRanges(done, state.size), this.#pieceCount(), minSplitSize);
    this.#validator = validator;
    this.total = state.size;
    this.#table = new SegmentTable(state.size, done, pieces, stealPolicy(minSplitSize));
    this.bytes = this.#table.doneBytes();
  }

  /** Applies the overwrite policy to `target`, holds it, and creates its folder. */
  async #settle(target: string): Promise<DownloadResult | undefined> {
    const { options, claims, guard } = this.#ctx;
    this.#freshFolder = await guard.ensure(path.dirname(target));
    if (options.overwrite === 'rename') {
      for (let n = 1, candidate = target; ; candidate = numberedName(target, n++)) {
        if (claims.isHeld(candidate) || (await exists(candidate))) continue;
        if (claims.isHeld(candidate)) continue; // taken while we looked at the disk
        this.#release = await claims.hold(candidate);
        this.finalPath = candidate;
        return undefined;
      }
    }
    this.#release = await claims.hold(target);
    this.finalPath = target;
    if (options.overwrite === 'skip') {
      const size = this.#ctx.syncWrites.enabled ? existingSizeSync(target) : await existingSize(target);
      if (size !== undefined) {
        if (this.item.sha256 === undefined) return this.#done('skipped', size, undefined);
        const digest = await hashFile(target);
        if (digest === this.item.sha256.toLowerCase()) return this.#done('skipped', size, digest);
        // The file there is not the one asked for: fetch it again.
      }
    }
    return undefined;
  }

  /** One HTTP attempt. Resolves with the result, or rejects with a ParafetchError. */
  async attempt(signal: AbortSignal): Promise<DownloadResult> {
    const { options, client } = this.#ctx;
    this.attempts++;
    const url = this.#urls[(this.attempts - 1) % this.#urls.length]!;
    const headers: Record<string, string> = { 'user-agent': options.userAgent, ...options.headers };
    for (const [k, v] of Object.entries(this.item.headers ?? {})) headers[k.toLowerCase()] = v;

    const ifRange = ifRangeValue(this.#validator);
    if (this.#table && ifRange !== undefined) return this.#segmented(url, headers, signal);
    const resumeFrom = this.bytes > 0 && ifRange !== undefined ? this.bytes : 0;
    if (resumeFrom > 0) {
      headers.range = `bytes=${resumeFrom}-`;
      headers['if-range'] = ifRange!;
    } else if (options.split > 1 && !this.#noSplit) {
      // Asking for the whole file as a range tells at once whether ranges work, and the size.
      headers.range = 'bytes=0-';
    }

    // Creating a file is the slowest file-system call: start it while the request is on its way.
    const early =
      this.finalPath !== undefined && resumeFrom === 0 && !this.#ctx.syncWrites.enabled
        ? openEarly(partPathFor(this.finalPath))
        : undefined;
    let res: Awaited<ReturnType<typeof getFollowingRedirects>>;
    let offset: number;
    try {
      res = await getFollowingRedirects(client, url, {
        headers,
        maxRedirects: options.maxRedirects,
        signal,
      });
    } catch (err) {
      await dropEarly(early);
      throw err;
    }
    try {
      offset = this.#place(res, resumeFrom);
    } catch (err) {
      discardBody(res);
      await dropEarly(early);
      throw err;
    }

    if (this.finalPath === undefined) {
      const name =
        nameFromContentDisposition(header(res.headers, 'content-disposition')) ?? nameFromUrl(this.#urls[0]!);
      try {
        const skipped = await this.#settle(this.#ctx.claims.uniqueDerived(path.join(this.#folder, name)));
        if (skipped) {
          discardBody(res);
          return skipped;
        }
      } catch (err) {
        discardBody(res);
        throw err;
      }
    }
    const { split, minSplitSize } = options;
    const size = this.total;
    const validator = ifRangeValue(this.#validator);
    if (
      res.status === 206 &&
      offset === 0 &&
      split > 1 &&
      size !== undefined &&
      size >= 2 * minSplitSize &&
      validator
    ) {
      const pieces = planSegments([[0, size]], this.#pieceCount(), minSplitSize);
      this.#table = new SegmentTable(size, [], pieces, stealPolicy(minSplitSize));
      return this.#segmented(res.url, res.requestHeaders, signal, res, early);
    }
    return this.#receive(res, url, offset, early);
  }

  /**
   * How many pieces a split download is cut into. When the file is hashed, four waves of
   * `split` pieces in file order, so the part complete from the start grows all along and is
   * hashed as it does (see PrefixHasher); a connection moving to its next piece costs a request.
   */
  #pieceCount(): number {
    const { split } = this.#ctx.options;
    return split > 1 && this.#wantsHash ? split * HASH_WAVES : split;
  }

  /** Whether the file's SHA-256 is computed: asked for, or needed to check the item's. */
  get #wantsHash(): boolean {
    return this.#ctx.options.hash || this.item.sha256 !== undefined;
  }

  /** Fetches the missing ranges over several connections into one `.part` file. */
  async #segmented(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal,
    first?: HttpResponse,
    early?: Promise<FileSink>,
  ): Promise<DownloadResult> {
    const { options, client } = this.#ctx;
    const table = this.#table!;
    const part = partPathFor(this.finalPath!);
    let sink: FileSink | undefined;
    try {
      sink = await (early ?? FileSink.open(part, { truncate: first !== undefined }));
      await sink.truncate(table.size);
    } catch (err) {
      if (first) discardBody(first);
      await sink?.close(true).catch(() => {});
      throw err;
    }
    if (first) await this.#dropState(part);
    // A crash may lose what arrived since the last checkpoint: keep that under one segment per connection.
    const checkpoint = new Checkpointer(
      this,
      sink,
      options.checkpointMs,
      (options.split * options.minSplitSize) / 2,
    );
    const hasher = this.#wantsHash ? new PrefixHasher(sink, table) : undefined;
    try {
      await fetchSegments({
        client,
        url,
        headers,
        validator: this.#validator!,
        table,
        sink,
        connections: options.split,
        maxRedirects: options.maxRedirects,
        signal,
        ...(first ? { first: { response: first, segment: table.take()! } } : {}),
        retryDelay: (n, e) => this.#ctx.retryDelay(n, e),
        onBytes: (n) => {
          this.bytes += n;
          checkpoint.advance(n);
          hasher?.advance(n);
          this.#ctx.progress(this, n);
        },
      });
    } catch (err) {
      await checkpoint.stop(!(err instanceof RemoteChangedError) && !(err instanceof DiskError));
      await hasher?.close();
      await sink.close(true).catch(() => {});
      if (err instanceof RemoteChangedError) {
        await this.#dropState(part, true);
        this.#table = undefined;
        this.#noSplit = true;
        this.#restart();
      }
      throw err;
    }
    await checkpoint.stop(false);
    let digest: string | undefined;
    try {
      await sink.close();
      digest = await hasher?.finish();
    } finally {
      await hasher?.close();
    }
    return this.#finish(part, table.size, digest, url);
  }

  /**
   * Removes the resume state beside `part` and forgets it: when one may be there, or
   * `always` (a failure path, where a stale state must not survive either).
   */
  async #dropState(part: string, always = false): Promise<void> {
    if (!always && !this.stateOnDisk) return;
    this.stateOnDisk = false;
    await removeQuietly(statePathFor(part));
  }

  /** The state a later run needs to continue, or undefined when there is nothing to resume. */
  resumeState(): ResumeState | undefined {
    const v = this.#validator;
    if (!v || ifRangeValue(v) === undefined || this.total === undefined) return undefined;
    const done = this.#table ? this.#table.doneRanges() : [[0, this.bytes] as const];
    const state: ResumeState = {
      version: 1,
      url: this.item.url,
      size: this.total,
      done: done.map(([a, b]) => [a, b]),
    };
    if (!this.#table) state.stream = true;
    if (v.etag) state.etag = v.etag;
    if (v.lastModified) state.lastModified = v.lastModified;
    return state;
  }

  /** Decides where the response's bytes go; throws for statuses that carry no file. */
  #place(res: HttpResponse, resumeFrom: number): number {
    const now = readValidator(res.headers);
    if (res.status === 206) {
      const range = parseContentRange(header(res.headers, 'content-range'));
      if (
        !range ||
        range.start !== resumeFrom ||
        (resumeFrom > 0 && validatorChanged(this.#validator, now))
      ) {
        this.#restart();
        throw new RemoteChangedError(res.url.href, 'the partial content does not continue the bytes on disk');
      }
      if (resumeFrom === 0) this.#begin(now);
      this.total = range.size;
      return resumeFrom;
    }
    if (res.status >= 200 && res.status < 300) {
      // A full body: the first attempt, or a server that ignored Range or has a new version.
      this.#begin(now);
      this.total = res.status === 204 ? 0 : contentLength(res.headers);
      return 0;
    }
    if (res.status === 416 && resumeFrom > 0) {
      this.#restart();
      throw new RemoteChangedError(res.url.href, 'the server cannot continue from the bytes on disk');
    }
    throw new HttpStatusError(res.status, res.url.href, header(res.headers, 'retry-after'));
  }

  #begin(validator: Validator): void {
    this.#restart();
    this.#validator = validator;
  }

  #restart(): void {
    this.bytes = 0;
    this.total = undefined;
    this.#validator = undefined;
    this.#hash = undefined;
  }

  async #receive(
    res: HttpResponse,
    url: URL,
    offset: number,
    early?: Promise<FileSink>,
  ): Promise<DownloadResult> {
    const { options, client } = this.#ctx;
    const finalPath = this.finalPath!;
    const part = partPathFor(finalPath);
    if (offset === 0 && this.#wantsHash) this.#hash = createHash('sha256');
    if (
      offset === 0 &&
      !early &&
      this.#ctx.syncWrites.enabled &&
      this.total !== undefined &&
      this.total <= SMALL_BODY
    ) {
      return this.#receiveSmall(res, url, this.total);
    }
    let sink: FileSink | undefined;
    try {
      sink = await (early ?? FileSink.open(part, { truncate: offset === 0 }));
      // Resuming: drop whatever lies past the bytes this attempt continues from.
      if (offset > 0) await sink.truncate(offset);
    } catch (err) {
      discardBody(res);
      await sink?.close(true).catch(() => {});
      throw err;
    }

    const hash = this.#hash;
    let pos = offset;
    let failure: ParafetchError | undefined;
    const checkpoint = new Checkpointer(this, sink, options.checkpointMs);
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        hash?.update(chunk);
        const ok = sink.write(chunk, pos);
        pos += chunk.length;
        this.bytes = pos;
        this.#ctx.progress(this, chunk.length);
        if (!ok) await sink.drained();
      }
    } catch (err) {
      failure = client.bodyError(err, url);
      res.body.destroy();
    }
    await checkpoint.stop(failure !== undefined && !(failure instanceof DiskError));
    try {
      await sink.close();
    } catch (err) {
      failure = err as ParafetchError;
    }
    if (failure instanceof DiskError) {
      await removeQuietly(part);
      await this.#dropState(part, true);
      this.#restart();
      throw failure;
    }
    if (this.total !== undefined && pos < this.total && (!failure || failure.code === 'CONNECTION_RESET')) {
      throw new TruncatedBodyError(this.total, pos, url.href);
    }
    if (failure) throw failure;

    // The hash began with the first byte of this version and went on through every retry.
    const digest = hash?.digest('hex');
    this.#hash = undefined;
    return this.#finish(part, pos, digest, url);
  }

  /** A small body: kept in memory until complete and verified, then written in one burst. */
  async #receiveSmall(res: HttpResponse, url: URL, total: number): Promise<DownloadResult> {
    const { client, syncWrites } = this.#ctx;
    const hash = this.#hash;
    const chunks: Buffer[] = [];
    let received = 0;
    let failure: ParafetchError | undefined;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        hash?.update(chunk);
        chunks.push(chunk);
        received += chunk.length;
        this.bytes = received;
        this.#ctx.progress(this, chunk.length);
      }
    } catch (err) {
      failure = client.bodyError(err, url);
      res.body.destroy();
    }
    if (failure || received < total) {
      const part = partPathFor(this.finalPath!);
      if (received > 0 && ifRangeValue(this.#validator) !== undefined) {
        // Keep what arrived so a retry, or a later run, continues from it (the hash so far
        // covers exactly those bytes).
        syncWrites.record(writePartSync(part, chunks));
        const state = this.resumeState();
        if (state) {
          this.stateOnDisk = true;
          await saveState(statePathFor(part), state).catch(() => {});
        }
      } else {
        this.#restart();
      }
      if (received < total && (!failure || failure.code === 'CONNECTION_RESET')) {
        throw new TruncatedBodyError(total, received, url.href);
      }
      throw failure;
    }
    const digest = hash?.digest('hex');
    this.#hash = undefined;
    const expected = this.item.sha256?.toLowerCase();
    if (expected !== undefined && digest !== expected) {
      this.#restart();
      throw new ChecksumMismatchError(expected, digest ?? '', url.href);
    }
    const part = partPathFor(this.finalPath!);
    syncWrites.record(writeSmallFileSync(part, this.finalPath!, chunks));
    await this.#dropState(part);
    return this.#done('ok', received, digest);
  }

  /** Verifies the checksum and moves the complete file into place. */
  async #finish(part: string, size: number, digest: string | undefined, url: URL): Promise<DownloadResult> {
    const expected = this.item.sha256?.toLowerCase();
    if (expected !== undefined && digest !== expected) {
      await removeQuietly(part);
      await this.#dropState(part, true);
      this.#table = undefined;
      this.#restart();
      throw new ChecksumMismatchError(expected, digest ?? '', url.href);
    }
    await commit(part, this.finalPath!);
    await this.#dropState(part);
    this.#table = undefined;
    return this.#done('ok', size, digest);
  }

  #done(status: ResultStatus, bytes: number, sha256: string | undefined, error?: ParafetchError) {
    this.#release?.();
    this.#release = undefined;
    return this.result(status, bytes, sha256, error);
  }

  result(status: ResultStatus, bytes: number, sha256?: string, error?: ParafetchError): DownloadResult {
    const r: DownloadResult = {
      index: this.index,
      url: this.item.url,
      path: this.finalPath,
      status,
      bytes,
      sha256,
      attempts: this.attempts,
      ms: Date.now() - this.startedAt,
      item: this.item,
    };
    if (error) r.error = error;
    return r;
  }

  /**
   * Gives up on the item. The partial file stays only when asked (an aborted run keeps it for
   * a later resume); the final name is never touched.
   */
  async fail(error: ParafetchError, keepPartial: boolean): Promise<DownloadResult> {
    if (this.finalPath !== undefined && !keepPartial) {
      await removeQuietly(partPathFor(this.finalPath));
      await this.#dropState(partPathFor(this.finalPath), true);
    }
    const result = this.#done('failed', this.bytes, undefined, error);
    result.path = this.finalPath;
    return result;
  }
}
