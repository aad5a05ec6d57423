import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InternalError, InvalidOptionError } from '../../errors/index.js';
import type { Store, StoreCapabilities, StatTarget, StoredObject, Upload, UploadTarget } from '../store.js';
import { createS3Client, type S3ClientOptions } from './s3-client.js';
import { isNotFound, toStoreError } from './s3-errors.js';
import { objectKey, parseS3Url, s3Url, type S3Location } from './s3-location.js';
import { DEFAULT_PART_SIZE, MIN_PART_SIZE, S3Upload } from './s3-upload.js';

/** S3 allows parts up to 5 GiB. */
const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

export interface S3StoreOptions extends Omit<S3ClientOptions, 'env'> {
  /** Where objects go: `s3://bucket/prefix`; an item named `a/b.jpg` becomes `prefix/a/b.jpg`. */
  url: string;
  /** A client to use instead of one built from endpoint/region/forcePathStyle; the caller destroys it. */
  client?: S3Client | undefined;
  /** Bytes per part of a multipart upload, and the size from which one is used. Default 8 MiB, at least 5 MiB. */
  partSize?: number | undefined;
}

const KNOWN = new Set(['url', 'client', 'endpoint', 'region', 'forcePathStyle', 'partSize']);

/**
 * Objects in an S3 bucket (or an S3-compatible store) under a prefix. Each item is one object,
 * sent front to back (no positional writes, no resume), and appears only when its upload is
 * committed. `destroy()` aborts every upload still open, so an aborted run leaves neither a
 * partial object nor a pending multipart upload.
 */
export class S3Store implements Store {
  readonly capabilities: StoreCapabilities = { positional: false, ordered: false };
  readonly client: S3Client;
  readonly #ownsClient: boolean;
  readonly #where: S3Location;
  readonly #partSize: number;
  readonly #uploads = new Set<S3Upload>();
  #closed = false;

  constructor(options: S3StoreOptions) {
    for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw InvalidOptionError.unknown(key, KNOWN);
    if (typeof options.url !== 'string')
      throw new InvalidOptionError('dir', 'an s3://bucket/prefix URL', options.url);
    this.#where = parseS3Url(options.url);
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw new InvalidOptionError(
        'partSize',
        `an integer from ${MIN_PART_SIZE} (5 MiB) to 5 GiB`,
        options.partSize,
      );
    }
    this.#partSize = partSize;
    this.#ownsClient = options.client === undefined;
    this.client =
      options.client ??
      createS3Client({
        endpoint: options.endpoint,
        region: options.region,
        forcePathStyle: options.forcePathStyle,
      });
  }

  /** The bucket and prefix objects go under. */
  get location(): S3Location {
    return { ...this.#where };
  }

  locate(name: string): string {
    return s3Url(this.#where.bucket, this.#key(name));
  }

  async stat(target: StatTarget): Promise<StoredObject | undefined> {
    const key = this.#key(target.name);
    const location = s3Url(this.#where.bucket, key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.#where.bucket, Key: key }));
      const sha256 = res.Metadata?.sha256;
      return {
        location,
        size: res.ContentLength ?? 0,
        sha256: sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined,
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toStoreError(err, `HeadObject ${location}`);
    }
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const key = this.#key(name);
    const location = s3Url(this.#where.bucket, key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.#where.bucket, Key: key }));
      return res.Body === undefined ? new Uint8Array(0) : await res.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toStoreError(err, `GetObject ${location}`);
    }
  }

  async open(target: UploadTarget, signal?: AbortSignal): Promise<Upload> {
    const key = this.#key(target.name);
    const location = s3Url(this.#where.bucket, key);
    if (signal?.aborted) throw toStoreError(signal.reason, location, signal);
    if (this.#closed) throw new InternalError(location, 'open after the store was closed');
    const upload: S3Upload = new S3Upload({
      client: this.client,
      bucket: this.#where.bucket,
      key,
      location,
      contentType: target.contentType,
      url: target.url,
      partSize: this.#partSize,
      signal,
      onSettled: () => this.#uploads.delete(upload),
    });
    this.#uploads.add(upload);
    return upload;
  }

  /** Waits for the commits under way, aborts uploads never committed, then lets the client go. */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      await settleAll([...this.#uploads].map((u) => u.finish()));
    } finally {
      if (this.#ownsClient) this.client.destroy();
    }
  }

  /** Aborts every upload still open (pending multipart uploads dropped), then lets the client go. */
  async destroy(): Promise<void> {
    this.#closed = true;
    try {
      await settleAll([...this.#uploads].map((u) => u.abort()));
    } finally {
      if (this.#ownsClient) this.client.destroy();
    }
  }

  #key(name: string): string {
    return objectKey(this.#where, name);
  }
}

/** Waits for every promise; rejects with the first failure once all have settled. */
async function settleAll(all: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(all);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
