import { createHash } from 'node:crypto';
import { ParafetchError, type ErrorCode } from '../errors/index.js';
import { ChecksumMismatchError, HttpStatusError, TruncatedBodyError } from '../errors/index.js';
import { numberedName } from '../storage/finalize.js';
import type { Store, Upload } from '../storage/store.js';
import { fileBudget, type ByteBudget } from '../transport/byte-budget.js';
import type { HttpResponse } from '../transport/client.js';
import { discardBody } from '../transport/discard.js';
import { contentLength, header } from '../transport/headers.js';
import { noTimes } from '../transport/exchange-times.js';
import { getFollowingRedirects, parseHttpUrl } from '../transport/redirects.js';
import { resultOf, type DownloadItem, type DownloadResult, type ResultStatus } from './item.js';
import type { JobContext } from './job-context.js';
import { attemptUrl, itemUrls } from './mirrors.js';
import { attemptSession } from './attempt-session.js';
import { nameFromContentDisposition, nameFromUrl } from './naming.js';
import { checkItemFields } from './rules.js';
import { derivesName, storeName } from './store-name.js';
import { receiveStream } from './stream-body.js';

/**
 * One item into a store that writes front to back only (object storage, shards): one stream per
 * attempt into an upload that appears whole at its commit, or not at all. A retry starts over
 * with a new upload: such a store keeps nothing partial between attempts.
 */
export class StoreJob {
  readonly index: number;
  readonly item: DownloadItem;
  readonly #ctx: JobContext;
  readonly #store: Store;
  readonly startedAt = Date.now();
  /** Where the time of its requests went (see ExchangeTimes). */
  readonly times = noTimes();
  attempts = 0;
  progressAt = 0;
  bytes = 0;
  total: number | undefined;
  #urls: URL[] = [];
  /** The item's name in the store, once decided. */
  #name: string | undefined;
  #location: string | undefined;
  #release: (() => void) | undefined;
  /** The item's rate limit, over every attempt. */
  readonly #budget: ByteBudget | undefined;

  constructor(index: number, item: DownloadItem, ctx: JobContext, store: Store) {
    this.index = index;
    this.item = item;
    this.#ctx = ctx;
    this.#store = store;
    this.#budget = fileBudget(ctx.options.maxFileRate);
  }

  get url(): string {
    return this.item.url;
  }

  /** Where the item is or will be in the store (a path or URL), once decided. */
  get finalPath(): string | undefined {
    return this.#location;
  }

  async prepare(): Promise<DownloadResult | undefined> {
    this.#urls = itemUrls(this.item).map(parseHttpUrl);
    checkItemFields(this.item);
    if (this.#ctx.options.contentDisposition && derivesName(this.item.path)) return undefined;
    return this.#decide(nameFromUrl(this.#urls[0]!));
  }

  /** Names the item and applies the overwrite policy; a result when it is skipped. */
  async #decide(derived: string): Promise<DownloadResult | undefined> {
    const store = this.#store;
    let name = storeName(this.item.path, derived);
    if (store.capabilities.ordered) {
      // Shards name members by index or key: the name only lends its extension.
      this.#name = name;
    } else {
      if (derivesName(this.item.path)) {
        name = (await this.#ctx.claims.uniqueDerived(`/${name}`, this.index)).slice(1);
      }
      name = await this.#hold(name);
    }
    this.#name = name;
    // A shard's place is known once the item is placed in it (see OrderedStore).
    this.#location = store.capabilities.ordered ? undefined : store.locate(name);
    if (this.#ctx.options.overwrite !== 'skip' && !store.capabilities.ordered) return undefined;
    const found = await store.stat({ index: this.index, name });
    if (!found) return undefined;
    if (found.failed !== undefined) {
      // Its shard is complete and stays as it is: the item stays failed, with its code.
      this.#location = found.location;
      const message = `failed when ${found.location} was written (a shard is never written again); run it into another folder to fetch it`;
      return this.#done('failed', 0, undefined, new ParafetchError(found.failed as ErrorCode, message));
    }
    const expected = this.item.sha256?.toLowerCase();
    // An object whose checksum is unknown or other than the one asked for is fetched again.
    if (expected !== undefined && found.sha256 !== expected && !store.capabilities.ordered) return undefined;
    this.#location = found.location;
    return this.#done('skipped', found.size, found.sha256);
  }

  /** Holds the name for this item in the run; with `rename`, the first free numbered one. */
  async #hold(name: string): Promise<string> {
    const { claims, options } = this.#ctx;
    if (options.overwrite !== 'rename') {
      this.#release = await claims.hold(`/${name}`);
      return name;
    }
    for (let n = 1, candidate = name; ; candidate = numberedName(name, n++)) {
      if (await claims.taken(`/${candidate}`)) continue;
      if (await this.#store.stat({ index: this.index, name: candidate })) continue;
      const release = await claims.tryHold(`/${candidate}`);
      if (release) {
        this.#release = release;
        return candidate;
      }
    }
  }

  async attempt(signal: AbortSignal): Promise<DownloadResult> {
    this.attempts++;
    this.bytes = 0;
    this.times.ttfbMs = 0;
    const { options, client, cookies } = this.#ctx;
    const { url, session } = attemptSession(attemptUrl(this.#urls, this.attempts), options, cookies);
    const headers: Record<string, string> = { 'user-agent': options.userAgent, ...options.headers };
    for (const [k, v] of Object.entries(this.item.headers ?? {})) headers[k.toLowerCase()] = v;
    const res = await getFollowingRedirects(client, url, {
      headers,
      session,
      maxRedirects: options.maxRedirects,
      signal,
      budget: this.#budget,
      times: this.times,
    });
    let upload: Upload | undefined;
    try {
      if (res.status < 200 || res.status >= 300) {
        throw new HttpStatusError(res.status, res.url.href, header(res.headers, 'retry-after'));
      }
      if (this.#name === undefined) {
        const cd = nameFromContentDisposition(header(res.headers, 'content-disposition'));
        const skipped = await this.#decide(cd ?? nameFromUrl(this.#urls[0]!));
        if (skipped) {
          discardBody(res);
          return skipped;
        }
      }
      this.total = res.status === 204 ? 0 : contentLength(res.headers);
      upload = await this.#store.open(
        {
          index: this.index,
          name: this.#name!,
          url: this.item.url,
          size: this.total,
          contentType: header(res.headers, 'content-type'),
          key: this.item.key,
        },
        signal,
      );
    } catch (err) {
      discardBody(res);
      throw err;
    }
    try {
      const digest = await this.#receive(res, upload, url);
      this.#location = await upload.commit(digest);
      return this.#done('ok', this.bytes, digest);
    } catch (err) {
      await upload.abort().catch(() => {});
      throw err;
    }
  }

  /** The body into the upload, hashed on the way; resolves with its SHA-256 when computed. */
  async #receive(res: HttpResponse, upload: Upload, url: URL): Promise<string | undefined> {
    const expected = this.item.sha256?.toLowerCase();
    const hash = this.#ctx.options.hash || expected !== undefined ? createHash('sha256') : undefined;
    const limit = this.total;
    const { failure } = await receiveStream({
      body: res.body,
      sink: { write: (chunk) => upload.write(chunk), drained: () => upload.drained() },
      from: 0,
      limit,
      hash,
      onChunk: (pos, n) => {
        this.bytes = pos;
        this.#ctx.progress(this, n);
      },
      asError: (err) => this.#ctx.client.bodyError(err, url),
      url: url.href,
    });
    const short = limit !== undefined && this.bytes < limit;
    if (failure && !(short && failure.code === 'CONNECTION_RESET')) throw failure;
    if (short) throw new TruncatedBodyError(limit, this.bytes, url.href);
    await upload.drained();
    const digest = hash?.digest('hex');
    if (expected !== undefined && digest !== expected) {
      throw new ChecksumMismatchError(expected, digest ?? '', url.href);
    }
    return digest;
  }

  #done(status: ResultStatus, bytes: number, sha256: string | undefined, error?: ParafetchError) {
    this.#release?.();
    this.#release = undefined;
    return this.result(status, bytes, sha256, error);
  }

  result(status: ResultStatus, bytes: number, sha256?: string, error?: ParafetchError): DownloadResult {
    return resultOf(this, this.startedAt, status, bytes, sha256, error);
  }

  /** Gives up on the item: its upload was aborted when its attempt failed; nothing is left. */
  fail(error: ParafetchError, _keepPartial: boolean): Promise<DownloadResult> {
    return Promise.resolve(this.#done('failed', this.bytes, undefined, error));
  }
}
