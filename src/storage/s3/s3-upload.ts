import { createHash, type Hash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  AbortedError,
  ChecksumMismatchError,
  InternalError,
  type ParafetchError,
} from '../../errors/index.js';
import type { Upload } from '../store.js';
import { statusOf, storeCodeOf, toStoreError } from './s3-errors.js';

/** S3 refuses parts under 5 MiB (but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** Parts sent at once by one upload: with the one filling, at most 3 parts of memory. */
const PARTS_IN_FLIGHT = 2;
/** Requests made outside the run's signal (start and abort of a multipart upload) end by then. */
const HOUSEKEEPING_MS = 60_000;

export interface S3UploadOptions {
  client: S3Client;
  bucket: string;
  key: string;
  /** `s3://bucket/key`, what commit resolves with and messages name. */
  location: string;
  contentType?: string | undefined;
  /** Recorded in the object's metadata (`url`) when short and plain ASCII. */
  url?: string | undefined;
  partSize?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called once when the upload is committed or aborted (the store forgets it). */
  onSettled?: (() => void) | undefined;
}

type State = 'open' | 'committing' | 'committed' | 'aborted';

/**
 * One object written to S3 front to back. Until a part is full, bytes are only buffered, and a
 * commit sends them in one PutObject. Past that, a multipart upload is started and each full part
 * is sent as it fills, two at most at once: `write` returns false while both are being sent and
 * the next part is full. Commit completes the multipart upload; only then does the object appear.
 * Every body goes with its SHA-256 (`x-amz-checksum-sha256`), computed here over the very bytes
 * sent, so the store can refuse a body that changed on the way.
 */
export class S3Upload implements Upload {
  readonly #o: S3UploadOptions;
  readonly #partSize: number;
  /** Aborts the requests under way: the run's signal, or `abort()`. */
  readonly #stop = new AbortController();
  readonly #unlink: () => void;
  #state: State = 'open';
  #error: ParafetchError | undefined;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** SHA-256 of every byte sent (or to be sent), in order. */
  readonly #whole: Hash = createHash('sha256');
  /** The multipart upload's id, once asked for. */
  #uploadId: Promise<string> | undefined;
  #committing: Promise<void> | undefined;
  #settled = false;
  #partNumber = 0;
  readonly #parts: CompletedPart[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #waiters: Array<() => void> = [];

  constructor(options: S3UploadOptions) {
    this.#o = options;
    this.#partSize = options.partSize ?? DEFAULT_PART_SIZE;
    const signal = options.signal;
    if (signal) {
      const onAbort = () => this.#stop.abort(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      this.#unlink = () => signal.removeEventListener('abort', onAbort);
    } else {
      this.#unlink = () => {};
    }
  }

  get location(): string {
    return this.#o.location;
  }

  /**
   * At the end of a run (the store's close): waits for a commit under way, and aborts an upload
   * never committed, so no multipart upload is left pending.
   */
  async finish(): Promise<void> {
    if (this.#state === 'committing') await this.#committing?.catch(() => {});
    else if (this.#state === 'open') await this.abort();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#error) throw this.#error;
    if (this.#state !== 'open') throw this.#misuse(`write after ${this.#state}`);
    if (this.#stop.signal.aborted) throw this.#fail(this.#aborted());
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered >= this.#partSize && this.#inFlight.size < PARTS_IN_FLIGHT) this.#sendPart();
    return this.#buffered < this.#partSize;
  }

  drained(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#buffered < this.#partSize) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push(() => (this.#error ? reject(this.#error) : resolve()));
    });
  }

  async commit(sha256: string | undefined): Promise<string> {
    if (this.#error) throw this.#error;
    if (this.#state !== 'open') throw this.#misuse(`commit after ${this.#state}`);
    this.#state = 'committing';
    this.#committing = this.#uploadId === undefined ? this.#putWhole(sha256) : this.#complete(sha256);
    try {
      await this.#committing;
    } catch (err) {
      const failure = this.#fail(err);
      if (this.#state === 'committing') this.#state = 'open';
      // No object appeared; the parts sent are dropped (a later abort() says if that fails).
      await this.abort().catch(() => {});
      throw failure;
    }
    this.#state = 'committed';
    this.#settle();
    return this.#o.location;
  }

  async abort(): Promise<void> {
    if (this.#state === 'committed') return;
    const first = this.#state !== 'aborted';
    this.#state = 'aborted';
    if (first) {
      this.#error ??= this.#aborted();
      this.#stop.abort(this.#error);
      this.#chunks = [];
      this.#buffered = 0;
      this.#wake();
    }
    const uploadId = this.#uploadId;
    if (uploadId === undefined) return this.#settle();
    // The parts under way end (aborted) before the upload is dropped, so none is left behind it.
    await Promise.allSettled([...this.#inFlight]);
    let id: string;
    try {
      id = await uploadId;
    } catch {
      return this.#settle(); // never started: nothing to drop
    }
    const what = `AbortMultipartUpload ${this.#o.location} (upload id ${id})`;
    try {
      await this.#o.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.#o.bucket, Key: this.#o.key, UploadId: id }),
        { abortSignal: AbortSignal.timeout(HOUSEKEEPING_MS) },
      );
    } catch (err) {
      // Already dropped (an earlier abort, or completed by a commit whose answer was lost).
      if (storeCodeOf(err) !== 'NoSuchUpload' && statusOf(err) !== 404) throw toStoreError(err, what);
    }
    this.#uploadId = undefined;
    this.#settle();
  }

  /** Sends the buffered bytes as the next part, starting the multipart upload with the first. */
  #sendPart(): void {
    const body = this.#take();
    const partNumber = ++this.#partNumber;
    const checksum = createHash('sha256').update(body).digest('base64');
    this.#uploadId ??= this.#create();
    const what = `UploadPart ${partNumber} of ${this.#o.location}`;
    const sent = this.#uploadId
      .then((uploadId) =>
        this.#o.client.send(
          new UploadPartCommand({
            Bucket: this.#o.bucket,
            Key: this.#o.key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: body,
            ContentLength: body.length,
            ChecksumSHA256: checksum,
          }),
          { abortSignal: this.#stop.signal },
        ),
      )
      .then(
        (res) => {
          if (res.ETag === undefined)
            throw new InternalError(this.#o.location, `part ${partNumber}: no ETag`);
          this.#parts[partNumber - 1] = {
            PartNumber: partNumber,
            ETag: res.ETag,
            ...(res.ChecksumSHA256 === undefined ? {} : { ChecksumSHA256: res.ChecksumSHA256 }),
          };
        },
        (err: unknown) => {
          throw toStoreError(err, what, this.#stop.signal);
        },
      )
      .catch((err: unknown) => {
        this.#fail(err);
      })
      .finally(() => {
        this.#inFlight.delete(sent);
        if (!this.#error && this.#state === 'open' && this.#buffered >= this.#partSize) this.#sendPart();
        this.#wake();
      });
    this.#inFlight.add(sent);
  }

  /**
   * Starts the multipart upload. Not tied to the run's signal: an abort must not lose the id of
   * an upload the store created, or it could never be dropped.
   */
  async #create(): Promise<string> {
    if (this.#stop.signal.aborted) throw this.#aborted();
    let uploadId: string | undefined;
    try {
      const res = await this.#o.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.#o.bucket,
          Key: this.#o.key,
          ContentType: this.#o.contentType,
          ChecksumAlgorithm: 'SHA256',
          Metadata: this.#metadata(undefined),
        }),
        { abortSignal: AbortSignal.timeout(HOUSEKEEPING_MS) },
      );
      uploadId = res.UploadId;
    } catch (err) {
      throw toStoreError(err, `CreateMultipartUpload ${this.#o.location}`);
    }
    if (uploadId === undefined)
      throw new InternalError(this.#o.location, 'CreateMultipartUpload: no UploadId');
    return uploadId;
  }

  /** Everything fits one part: one PutObject, with the whole object's SHA-256. */
  async #putWhole(expected: string | undefined): Promise<void> {
    const body = this.#take();
    const hex = this.#check(expected);
    await this.#send(`PutObject ${this.#o.location}`, (abortSignal) =>
      this.#o.client.send(
        new PutObjectCommand({
          Bucket: this.#o.bucket,
          Key: this.#o.key,
          Body: body,
          ContentLength: body.length,
          ContentType: this.#o.contentType,
          ChecksumSHA256: Buffer.from(hex, 'hex').toString('base64'),
          Metadata: this.#metadata(hex),
        }),
        { abortSignal },
      ),
    );
  }

  /** Sends the last part, waits for every part, and completes the multipart upload. */
  async #complete(expected: string | undefined): Promise<void> {
    while (this.#inFlight.size >= PARTS_IN_FLIGHT && !this.#error) await Promise.race(this.#inFlight);
    if (this.#buffered > 0 && !this.#error) this.#sendPart();
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
    if (this.#error) throw this.#error;
    this.#check(expected);
    const uploadId = await this.#uploadId!;
    await this.#send(`CompleteMultipartUpload ${this.#o.location}`, (abortSignal) =>
      this.#o.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#o.bucket,
          Key: this.#o.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: this.#parts },
        }),
        { abortSignal },
      ),
    );
    this.#uploadId = undefined;
  }

  /** The SHA-256 (hex) of everything sent; a ChecksumMismatchError when the caller hashed other bytes. */
  #check(expected: string | undefined): string {
    const actual = this.#whole.digest('hex');
    if (expected !== undefined && expected.toLowerCase() !== actual) {
      throw new ChecksumMismatchError(expected, actual, this.#o.location);
    }
    return actual;
  }

  /** One request under the upload's signal; its failure as parafetch reports it. */
  async #send(what: string, request: (abortSignal: AbortSignal) => Promise<unknown>): Promise<void> {
    if (this.#stop.signal.aborted) throw this.#aborted();
    try {
      await request(this.#stop.signal);
    } catch (err) {
      throw toStoreError(err, what, this.#stop.signal);
    }
  }

  /** The buffered chunks as one body, counted into the whole object's hash. */
  #take(): Uint8Array {
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [];
    this.#buffered = 0;
    this.#whole.update(body);
    return body;
  }

  #metadata(sha256: string | undefined): Record<string, string> {
    const meta: Record<string, string> = {};
    if (sha256 !== undefined) meta.sha256 = sha256;
    const url = this.#o.url;
    if (url !== undefined && url.length <= 1024 && /^[\x21-\x7e]*$/.test(url)) meta.url = url;
    return meta;
  }

  /** Why the upload stopped: the run signal's reason when it is a ParafetchError, else ABORTED. */
  #aborted(): ParafetchError {
    const stop = this.#stop.signal;
    if (stop.aborted) return toStoreError(stop.reason, this.#o.location, stop);
    return new AbortedError(this.#o.location);
  }

  /** Records the first failure (later ones are its consequences) and wakes writers waiting. */
  #fail(err: unknown): ParafetchError {
    this.#error ??= toStoreError(err, this.#o.location);
    this.#wake();
    return this.#error;
  }

  #misuse(what: string): ParafetchError {
    return new InternalError(this.#o.location, `upload: ${what}`);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#unlink();
    this.#o.onSettled?.();
  }
}
