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
import { exists, partPathFor, removeQuietly } from '../storage/finalize.js';
import { hashRange } from '../storage/hash-file.js';
import { writePartSync, writeSmallFileSync, type SyncWriteGate } from '../storage/small-file.js';
import { saveState, statePathFor, type ResumeState } from '../storage/resume-state.js';
import { discardBody } from '../transport/discard.js';
import { dropEarly, openEarly } from './body.js';
import { Checkpointer } from './checkpointer.js';
import { settleDestination } from './destination.js';
import { loadResume } from './resume-load.js';
import { receiveSegmented, stealPolicy } from './segmented-download.js';
import { readSmallBody } from './small-body.js';
import { receiveStream } from './stream-body.js';
import { normalizeHeaders, normalizeSha256 } from './rules.js';
import { SegmentTable, planSegments } from './segments.js';
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
 *
 * The resume state beside the `.part` file only ever claims bytes the file durably holds:
 * before a part file is restarted from zero the state is removed, and before one resumed from
 * a single stream's state is laid out in full, that state is replaced by one naming its ranges.
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
  /** The destination folder's real path, when the platform can check open files against it. */
  #realDir: string | undefined;
  #validator: Validator | undefined;
  #hash: Hash | undefined;
  #release: (() => void) | undefined;
  /** Where the current response's body must end at the latest (its range, or the size). */
  #limit: number | undefined;
  /** The segments of a ranged download; kept across attempts to resume them. */
  #table: SegmentTable | undefined;
  /** Set once ranges proved unreliable for this file: later attempts use one stream. */
  #noSplit = false;
  /** Whether the destination's folder was created by this run. */
  #freshFolder = false;
  /** Whether a resume state file may exist beside the part file (so it must be removed). */
  stateOnDisk = false;
  /** Whether that state may be a single stream's (its part file's length is its progress). */
  #streamState = false;

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
    const { options, syncWrites } = this.#ctx;
    const { stateOnDisk, resume } = await loadResume(partPathFor(this.finalPath!), {
      urls: [this.item.url, ...(this.item.mirrors ?? [])],
      pieces: this.#pieceCount(),
      minSplitSize: options.minSplitSize,
      steal: stealPolicy(options.minSplitSize),
      direct: syncWrites.enabled,
    });
    this.stateOnDisk = stateOnDisk;
    this.#streamState = stateOnDisk;
    if (!resume) return;
    this.#validator = resume.validator;
    this.total = resume.total;
    this.bytes = resume.bytes;
    this.#table = resume.table;
    this.#streamState = resume.streamState;
  }

  /** Applies the overwrite policy to `target`, holds it, and creates its folder. */
  async #settle(target: string): Promise<DownloadResult | undefined> {
    const { options, claims, guard, syncWrites } = this.#ctx;
    const dest = await settleDestination(
      { overwrite: options.overwrite, claims, guard, direct: syncWrites.enabled },
      target,
      this.item.sha256,
    );
    this.#release = dest.release;
    this.finalPath = dest.finalPath;
    this.#freshFolder = dest.freshFolder;
    this.#realDir = dest.realDir;
    if (dest.existing) return this.#done('skipped', dest.existing.size, dest.existing.sha256);
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
      headers.range = `bytes=${resumeFrom}-${this.total === undefined ? '' : this.total - 1}`;
      headers['if-range'] = ifRange!;
    } else if (options.split > 1 && !this.#noSplit) {
      // Asking for the whole file as a range tells at once whether ranges work, and the size.
      headers.range = 'bytes=0-';
    }
    // A fresh start: no state may outlive the bytes it describes.
    if (resumeFrom === 0 && this.stateOnDisk) await this.#dropState(partPathFor(this.finalPath!), true);

    // Creating a file is the slowest file-system call: start it while the request is on its way.
    const early =
      this.finalPath !== undefined && resumeFrom === 0 && !this.#ctx.syncWrites.enabled
        ? openEarly(partPathFor(this.finalPath), this.#realDir)
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
        // An earlier run may have left a state beside this part file: it goes before the file is reused.
        const statePath = statePathFor(partPathFor(this.finalPath!));
        this.stateOnDisk =
          !this.#freshFolder &&
          (this.#ctx.syncWrites.enabled ? existsSync(statePath) : await exists(statePath));
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
    const part = partPathFor(this.finalPath!);
    if (first && this.stateOnDisk) await this.#dropState(part, true);
    let sink: FileSink | undefined;
    try {
      sink = await (early ?? FileSink.open(part, { truncate: first !== undefined, realDir: this.#realDir }));
      if (this.stateOnDisk && this.#streamState) {
        // The state says "the part file's length is the progress": make those bytes durable and
        // name them as a range before the file is laid out in full (which would claim it all).
        await sink.sync();
        this.#streamState = false;
        await saveState(statePathFor(part), this.resumeState()!, this.#realDir);
      }
      await sink.truncate(this.#table!.size);
    } catch (err) {
      if (first) discardBody(first);
      await sink?.close(true).catch(() => {});
      throw err;
    }
    const { options, client, retryDelay } = this.#ctx;
    const outcome = await receiveSegmented({
      subject: this,
      sink,
      table: this.#table!,
      client,
      url,
      headers,
      validator: this.#validator!,
      options,
      realDir: this.#realDir,
      hashed: this.#wantsHash,
      signal,
      first,
      retryDelay,
      onBytes: (n) => {
        this.bytes += n;
        this.#ctx.progress(this, n);
      },
    });
    if (outcome.failure) {
      if (outcome.failure instanceof RemoteChangedError) {
        await this.#dropState(part, true);
        this.#table = undefined;
        this.#noSplit = true;
        this.#restart();
      }
      throw outcome.failure;
    }
    return this.#finish(sink, this.#table!.size, outcome.digest, url);
  }

  /** Removes the resume state beside `part` and forgets it, when one may be there. */
  async #dropState(part: string, always = false): Promise<void> {
    if (!always && !this.stateOnDisk) return;
    this.stateOnDisk = false;
    this.#streamState = false;
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
      // The body carries exactly the range it names: nothing past it is ever written.
      this.#limit = range.end + 1;
      return resumeFrom;
    }
    if (res.status >= 200 && res.status < 300) {
      // A full body: the first attempt, or a server that ignored Range or has a new version.
      this.#begin(now);
      this.total = res.status === 204 ? 0 : contentLength(res.headers);
      this.#limit = this.total;
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

  /** One stream, front to back, from `offset`. */
  async #receive(
    res: HttpResponse,
    url: URL,
    offset: number,
    early?: Promise<FileSink>,
  ): Promise<DownloadResult> {
    const { options, client } = this.#ctx;
    const part = partPathFor(this.finalPath!);
    if (offset === 0) {
      if (this.#wantsHash) this.#hash = createHash('sha256');
      if (this.stateOnDisk) await this.#dropState(part, true);
      if (!early && this.#ctx.syncWrites.enabled && this.total !== undefined && this.total <= SMALL_BODY) {
        return this.#receiveSmall(res, url, this.total);
      }
    }
    let sink: FileSink | undefined;
    try {
      sink = await (early ?? FileSink.open(part, { truncate: offset === 0, realDir: this.#realDir }));
      // Resuming: drop whatever lies past the bytes this attempt continues from.
      if (offset > 0) {
        await sink.truncate(offset);
        // Resumed from an earlier run: the hash starts with the bytes already there.
        if (this.#wantsHash && !this.#hash) this.#hash = await this.#hashPrefix(sink, offset);
      }
    } catch (err) {
      discardBody(res);
      await sink?.close(true).catch(() => {});
      throw err;
    }

    const hash = this.#hash;
    this.#streamState = true; // what the checkpoint below writes
    const checkpoint = new Checkpointer(this, sink, options.checkpointMs, undefined, this.#realDir);
    const received = await receiveStream({
      body: res.body as unknown as AsyncIterable<Buffer> & { destroy(): void },
      sink,
      from: offset,
      limit: this.#limit,
      hash,
      onChunk: (at, n) => {
        this.bytes = at;
        this.#ctx.progress(this, n);
      },
      asError: (err) => client.bodyError(err, url),
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
      await this.#dropState(part, true);
      await sink.discard();
      this.#restart();
      throw failure;
    }
    const short = this.total !== undefined && pos < this.total;
    if (failure || short) {
      await sink.close(true);
      if (short && (!failure || failure.code === 'CONNECTION_RESET')) {
        throw new TruncatedBodyError(this.total!, pos, url.href);
      }
      throw failure;
    }

    // The hash began with the first byte of this version and went on through every retry.
    const digest = hash?.digest('hex');
    this.#hash = undefined;
    return this.#finish(sink, pos, digest, url);
  }

  /** A hash fed the first `length` bytes of the part file. */
  async #hashPrefix(sink: FileSink, length: number): Promise<Hash> {
    const hash = createHash('sha256');
    const got = await hashRange(sink, hash, 0, length);
    if (got < length) throw new DiskError(`cannot read ${sink.path}: it ends at ${got}, not ${length}`);
    return hash;
  }

  /** A small body: kept in memory until complete and verified, then written in one burst. */
  async #receiveSmall(res: HttpResponse, url: URL, total: number): Promise<DownloadResult> {
    const { client, syncWrites } = this.#ctx;
    const hash = this.#hash;
    const part = partPathFor(this.finalPath!);
    const { chunks, received, failure } = await readSmallBody(
      res.body as unknown as AsyncIterable<Buffer> & { destroy(): void },
      this.#limit ?? total,
      hash,
      (at, n) => {
        this.bytes = at;
        this.#ctx.progress(this, n);
      },
      (err) => client.bodyError(err, url),
      url.href,
    );
    if (failure || received < total) {
      if (received > 0 && ifRangeValue(this.#validator) !== undefined) {
        // Keep what arrived so a retry, or a later run, continues from it (the hash so far
        // covers exactly those bytes).
        syncWrites.record(writePartSync(part, chunks, this.#realDir));
        const state = this.resumeState();
        if (state) {
          this.stateOnDisk = true;
          this.#streamState = true;
          await saveState(statePathFor(part), state, this.#realDir).catch(() => {});
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
    syncWrites.record(writeSmallFileSync(part, this.finalPath!, chunks, this.#realDir));
    return this.#done('ok', received, digest);
  }

  /** Verifies the checksum and moves the complete file into place (the sink is closed after). */
  async #finish(sink: FileSink, size: number, digest: string | undefined, url: URL): Promise<DownloadResult> {
    const part = sink.path;
    const expected = this.item.sha256?.toLowerCase();
    if (expected !== undefined && digest !== expected) {
      await this.#dropState(part, true);
      await sink.discard();
      this.#table = undefined;
      this.#restart();
      throw new ChecksumMismatchError(expected, digest ?? '', url.href);
    }
    await sink.commit(this.finalPath!);
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
   * a later resume); the final name is never touched. After UNSAFE_PATH nothing is removed by
   * name: the name may lead outside the download directory.
   */
  async fail(error: ParafetchError, keepPartial: boolean): Promise<DownloadResult> {
    if (this.finalPath !== undefined && !keepPartial && error.code !== 'UNSAFE_PATH') {
      await this.#dropState(partPathFor(this.finalPath), true);
      await removeQuietly(partPathFor(this.finalPath));
    }
    const result = this.#done('failed', this.bytes, undefined, error);
    result.path = this.finalPath;
    return result;
  }
}
