import { attemptUrl, itemUrls } from './mirrors.js';
import { createHash } from 'node:crypto';
import type { ParafetchError } from '../errors/index.js';
import { ChecksumMismatchError } from '../errors/index.js';
import type { FileSink } from '../storage/file-sink.js';
import { removeOwn } from '../storage/remove.js';
import { fileBudget, type ByteBudget } from '../transport/byte-budget.js';
import { discardBody } from '../transport/discard.js';
import { dropEarly, openEarly } from './body.js';
import { openHeldPart } from './held-part.js';
import { DestinationChooser, type Existing } from './destination.js';
import type { JobContext } from './job-context.js';
import { DownloadState } from './download-state.js';
import { segmentedAttempt, stealPolicy } from './segmented-download.js';
import { receiveSingle, receiveSmall, type StreamEnv } from './single-stream.js';
import { checkItemFields } from './rules.js';
import { copyIntoPart, wholeAlready } from './continue-file.js';
import { SegmentTable, planSegments } from './segments.js';
import { planSplit, resumePieces, splitCap } from './split-plan.js';
import type { HttpResponse } from '../transport/client.js';
import { noTimes } from '../transport/exchange-times.js';
import { getFollowingRedirects, parseHttpUrl } from '../transport/redirects.js';
import { resultOf, type DownloadItem, type DownloadResult, type ResultStatus } from './item.js';
import { ifRangeValue } from './response.js';
import { attemptSession } from './attempt-session.js';
import type { Session } from '../transport/session.js';

export type { JobContext, JobOptions } from './job-context.js';

/** Bodies up to this size are received in memory and written in one burst. */
const SMALL_BODY = 256 * 1024;

/**
 * One item from plan to final file: decide the destination, fetch, verify, move into place.
 * A job lives across attempts, so a retry after a partial body continues where the bytes on
 * disk end (Range + If-Range) when the server allows it, and starts over cleanly otherwise.
 * What it knows of its file lives in a DownloadState, which keeps the resume state true.
 */
export class DownloadJob {
  readonly index: number;
  readonly item: DownloadItem;
  readonly #ctx: JobContext;
  readonly #s: DownloadState;
  readonly startedAt = Date.now();
  /** Where the time of its requests went (see ExchangeTimes). */
  readonly times = noTimes();
  attempts = 0;
  /** When the last progress event of this job went out (kept by the engine). */
  progressAt = 0;
  #urls: URL[] = [];
  /** The origin of the current attempt's URL: what connections are borrowed for. */
  #origin = '';
  /** The current attempt's credentials and cookies. */
  #session: Session | undefined;
  readonly #dest: DestinationChooser;
  /** The file's rate limit, over every attempt and range. */
  readonly #budget: ByteBudget | undefined;

  constructor(index: number, item: DownloadItem, ctx: JobContext) {
    this.index = index;
    this.item = item;
    this.#ctx = ctx;
    this.#budget = fileBudget(ctx.options.maxFileRate);
    this.#s = new DownloadState(item.url);
    this.#dest = new DestinationChooser(
      ctx,
      item,
      this.#s,
      resumePieces(ctx.options.split, this.#wantsHash),
      index,
    );
  }

  get url(): string {
    return this.item.url;
  }

  /** Where the file will appear, once decided. */
  get finalPath(): string | undefined {
    return this.#s.finalPath;
  }

  /** Bytes of the current version on disk in the part file, from offset 0. */
  get bytes(): number {
    return this.#s.bytes;
  }

  /** Full size, when the server said. */
  get total(): number | undefined {
    return this.#s.total;
  }

  /**
   * Parses the URLs and decides the destination when it does not depend on the response.
   * Resolves with a result when the item needs no request (skipped), else undefined.
   */
  async prepare(): Promise<DownloadResult | undefined> {
    this.#urls = itemUrls(this.item).map(parseHttpUrl);
    checkItemFields(this.item);
    return this.#skipped(await this.#dest.beforeRequest(this.#urls[0]!));
  }

  #skipped(existing: Existing | undefined): DownloadResult | undefined {
    return existing && this.#done('skipped', existing.size, existing.sha256);
  }

  /** One HTTP attempt. Resolves with the result, or rejects with a ParafetchError. */
  async attempt(signal: AbortSignal): Promise<DownloadResult> {
    this.attempts++;
    this.times.ttfbMs = 0;
    this.#s.discarded = 0;
    const { url, session } = attemptSession(
      attemptUrl(this.#urls, this.attempts),
      this.#ctx.options,
      this.#ctx.cookies,
    );
    this.#origin = url.origin;
    this.#session = session;
    return this.#request(url, signal);
  }

  /**
   * The request of one attempt. When the response names a file (Content-Disposition) an earlier
   * run left a resumable state for, it is let go and the request made again to continue it.
   */
  async #request(url: URL, signal: AbortSignal): Promise<DownloadResult> {
    const { options, client } = this.#ctx;
    const s = this.#s;
    const headers: Record<string, string> = { 'user-agent': options.userAgent, ...options.headers };
    for (const [k, v] of Object.entries(this.item.headers ?? {})) headers[k.toLowerCase()] = v;

    const ifRange = ifRangeValue(s.validator);
    if (s.table && ifRange !== undefined) return this.#segmented(url, headers, signal);
    if (s.bytes > 0 && s.bytes === s.total && ifRange !== undefined) {
      const held = await openHeldPart(s, this.#wantsHash);
      if (held) return this.#finish(held.sink, s.bytes, held.digest, url);
    }
    // A file found at the final name (continue): the range after it, with no validator to send.
    const continuing = s.continuing === 'final' && s.bytes > 0;
    const resumeFrom = s.bytes > 0 && (ifRange !== undefined || continuing) ? s.bytes : 0;
    if (resumeFrom > 0) {
      headers.range = `bytes=${resumeFrom}-${s.total === undefined ? '' : s.total - 1}`;
      if (ifRange !== undefined) headers['if-range'] = ifRange;
    } else if (splitCap(options.split) > 1 && !s.noSplit) {
      // Asking for the whole file as a range tells at once whether ranges work, and the size.
      headers.range = 'bytes=0-';
    }
    // A fresh start: no state may outlive the bytes it describes.
    if (resumeFrom === 0) await s.dropState();

    // Creating a file is the slowest file-system call: start it while the request is on its way.
    let early =
      s.finalPath !== undefined && resumeFrom === 0 && !this.#direct
        ? openEarly(s.part, s.realDir)
        : undefined;
    let res: Awaited<ReturnType<typeof getFollowingRedirects>>;
    let offset: number;
    try {
      res = await getFollowingRedirects(client, url, {
        headers,
        maxRedirects: options.maxRedirects,
        signal,
        session: this.#session,
        budget: this.#budget,
        times: this.times,
      });
    } catch (err) {
      await dropEarly(early);
      throw err;
    }
    try {
      if (continuing && res.status === 416 && wholeAlready(res, resumeFrom, s.finalPath!)) {
        discardBody(res);
        s.continuing = undefined;
        return this.#done('skipped', resumeFrom, undefined);
      }
      offset = s.place(res, resumeFrom);
    } catch (err) {
      discardBody(res);
      await dropEarly(early);
      throw err;
    }
    if (continuing) {
      if (offset === 0) {
        // The server sent it all (no ranges, or a new version): it replaces the file once whole.
        s.continuing = undefined;
      } else {
        try {
          early = copyIntoPart(s, offset, this.#wantsHash);
          await early;
        } catch (err) {
          discardBody(res);
          throw err;
        }
      }
    }
    if (s.finalPath === undefined) {
      try {
        const skipped = this.#skipped(await this.#dest.fromResponse(res, this.#urls[0]!));
        if (skipped) {
          discardBody(res);
          return skipped;
        }
      } catch (err) {
        discardBody(res);
        throw err;
      }
      if (s.bytes > 0 || s.table) {
        // An earlier run left part of this file: continue it rather than fetch it all again.
        discardBody(res);
        return this.#request(url, signal);
      }
    }
    const plan = planSplit({
      size: s.total,
      ranged: res.status === 206 && offset === 0 && ifRangeValue(s.validator) !== undefined,
      // Over HTTP/2 the ranges would be streams of the one connection: never split there.
      cap: client.multiplexes(res.url.origin) ? 1 : splitCap(options.split),
      minSplitSize: options.minSplitSize,
      spare: this.#spare(),
      hashed: this.#wantsHash,
    });
    if (plan.segmented) {
      const size = s.total!;
      const pieces = planSegments([[0, size]], plan.pieces, options.minSplitSize);
      s.table = new SegmentTable(size, [], pieces, stealPolicy(options.minSplitSize));
      return this.#segmented(res.url, res.requestHeaders, signal, res, early, plan.connections);
    }
    return this.#receive(res, url, offset, early);
  }

  /** Connections idle in the run that this download could borrow now. */
  #spare(): number {
    return this.#ctx.connections?.spare(this.#origin) ?? 0;
  }

  /** Whether a small body is written in one burst of direct calls (never synced: not when durable). */
  get #direct(): boolean {
    return !this.#ctx.options.durable && this.#ctx.syncWrites.enabled;
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
    connections?: number,
  ): Promise<DownloadResult> {
    const { options, client, retryDelay } = this.#ctx;
    const s = this.#s;
    const cap = Math.max(1, splitCap(options.split));
    const { sink, digest } = await segmentedAttempt(s, {
      client,
      url,
      headers,
      session: this.#session,
      options,
      budget: this.#budget,
      connections: connections ?? Math.min(cap, 1 + this.#spare()),
      cap,
      spare: this.#ctx.connections,
      origin: this.#origin,
      hashed: this.#wantsHash,
      signal,
      first,
      early,
      retryDelay,
      progress: (n) => this.#ctx.progress(this, n),
    });
    return this.#finish(sink, s.table!.size, digest, url);
  }

  /** One stream, front to back, from `offset` (a small body from zero: in one burst). */
  async #receive(res: HttpResponse, url: URL, offset: number, early?: Promise<FileSink>) {
    const s = this.#s;
    const env: StreamEnv = {
      client: this.#ctx.client,
      checkpointMs: this.#ctx.options.checkpointMs,
      syncWrites: this.#ctx.syncWrites,
      wantsHash: this.#wantsHash,
      progress: (n) => this.#ctx.progress(this, n),
    };
    if (offset === 0) {
      if (this.#wantsHash) s.hash = createHash('sha256');
      await s.dropState();
      if (!early && this.#direct && s.total !== undefined && s.total <= SMALL_BODY) {
        const expected = this.item.sha256?.toLowerCase();
        const { size, digest } = await receiveSmall(s, env, res, url, s.total, expected);
        return this.#done('ok', size, digest);
      }
    }
    const { sink, size, digest } = await receiveSingle(s, env, res, url, offset, early);
    return this.#finish(sink, size, digest, url);
  }

  /** Verifies the checksum and moves the complete file into place (the sink is closed after). */
  async #finish(sink: FileSink, size: number, digest: string | undefined, url: URL): Promise<DownloadResult> {
    const s = this.#s;
    const expected = this.item.sha256?.toLowerCase();
    if (expected !== undefined && digest !== expected) {
      await s.dropState(true);
      await sink.discard();
      s.table = undefined;
      s.discarded = size;
      s.restart();
      throw new ChecksumMismatchError(expected, digest ?? '', url.href);
    }
    // A sync costs milliseconds: negligible for a file this size's transfer, not for a small one.
    await sink.commit(s.finalPath!, this.#ctx.options.durable || size > SMALL_BODY);
    await s.dropState();
    s.table = undefined;
    return this.#done('ok', size, digest);
  }

  #done(status: ResultStatus, bytes: number, sha256: string | undefined, error?: ParafetchError) {
    this.#dest.release();
    return this.result(status, bytes, sha256, error);
  }

  result(status: ResultStatus, bytes: number, sha256?: string, error?: ParafetchError): DownloadResult {
    return resultOf(this, this.startedAt, status, bytes, sha256, error);
  }

  /**
   * Gives up on the item. The partial file stays only when asked (an aborted run keeps it for
   * a later resume); the final name is never touched. Nothing is removed through a folder that
   * is no longer the one checked inside the download directory (see removeOwn); after
   * UNSAFE_PATH nothing is removed at all.
   */
  async fail(error: ParafetchError, keepPartial: boolean): Promise<DownloadResult> {
    const s = this.#s;
    if (s.finalPath !== undefined && !keepPartial && error.code !== 'UNSAFE_PATH') {
      await s.dropState(true);
      await removeOwn(s.part, s.realDir);
    }
    // After a checksum mismatch nothing is on disk, but the file was received: that is reported.
    return this.#done('failed', Math.max(this.bytes, s.discarded), undefined, error);
  }
}
