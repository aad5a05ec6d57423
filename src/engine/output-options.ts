import { InvalidOptionError } from '../errors/index.js';
import { boolean, integer, plainObject } from './option-checks.js';

/** How the run's output is laid out. */
export interface OutputOptions {
  /** `'files'` (default): one file or object per item; `'webdataset'`: tar shards with a parquet index each. */
  format?: 'files' | 'webdataset';
  /** Items per shard at most, failures included (default 10 000). */
  shardItems?: number;
  /** Bytes of data per shard at most (default: no limit); a shard ends at whichever limit comes first. */
  shardBytes?: number;
  /**
   * This run is one part of a larger one (a job of a run over many machines): its items are the
   * input's from `part.index` on, and they all go into the one shard numbered `part.shard`, whose
   * keys and rows count from `part.index`. No `_stats.json` of the run is written. WebDataset only.
   */
  part?: { shard: number; index: number };
}

/** Object storage: for a `dir` of `s3://bucket/prefix`. Credentials come from the AWS SDK's own chain. */
export interface S3Options {
  /** The store's endpoint, for S3-compatible stores (default: `AWS_ENDPOINT_URL`, else AWS). */
  endpoint?: string;
  /** The bucket's region (default: the SDK's chain, else `us-east-1`). */
  region?: string;
  /** Path-style addressing (default: true with a custom endpoint, as compatible stores expect). */
  forcePathStyle?: boolean;
  /** Size of each part of a multipart upload, in bytes (default 8 MiB, at least 5 MiB). */
  partSize?: number;
}

export interface NormalizedOutput {
  format: 'files' | 'webdataset';
  shardItems: number;
  shardBytes: number | undefined;
  part: { shard: number; index: number } | undefined;
}

export interface NormalizedS3 {
  endpoint: string | undefined;
  region: string | undefined;
  forcePathStyle: boolean | undefined;
  partSize: number;
}

export const OUTPUT_DEFAULTS = {
  shardItems: 10_000,
  partSize: 8 * 1024 * 1024,
  minPartSize: 5 * 1024 * 1024,
} as const;

/** Whether a `dir` names object storage rather than a local folder. */
export function isRemoteDir(dir: string): boolean {
  return /^s3:\/\//i.test(dir);
}

function text(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new InvalidOptionError(key, 'a non-empty string', value);
  return value;
}

/** Validates `output`. */
export function normalizeOutput(value: unknown): NormalizedOutput {
  const o = plainObject('output', value, ['format', 'shardItems', 'shardBytes', 'part']);
  const format = o.format ?? 'files';
  if (format !== 'files' && format !== 'webdataset') {
    throw new InvalidOptionError('output.format', "one of 'files', 'webdataset'", format);
  }
  const shardBytes = integer('output.shardBytes', o.shardBytes, 1, undefined);
  return {
    format,
    shardItems: integer('output.shardItems', o.shardItems, 1, OUTPUT_DEFAULTS.shardItems),
    shardBytes,
    part: o.part === undefined ? undefined : partOf(o.part, format, shardBytes),
  };
}

function partOf(value: unknown, format: string, shardBytes: number | undefined): NormalizedOutput['part'] {
  const p = plainObject('output.part', value, ['shard', 'index']);
  if (format !== 'webdataset') {
    throw new InvalidOptionError(
      'output.part',
      "no part for an output.format other than 'webdataset'",
      value,
    );
  }
  if (shardBytes !== undefined) {
    throw new InvalidOptionError(
      'output.shardBytes',
      'no byte limit for a part: it is one shard',
      shardBytes,
    );
  }
  const shard = integer('output.part.shard', p.shard, 0, undefined);
  const index = integer('output.part.index', p.index, 0, undefined);
  if (shard === undefined || index === undefined) {
    throw new InvalidOptionError('output.part', '{ shard, index }, both integers from 0 and up', value);
  }
  return { shard, index };
}

/** Validates `s3`. */
export function normalizeS3(value: unknown): NormalizedS3 {
  const o = plainObject('s3', value, ['endpoint', 'region', 'forcePathStyle', 'partSize']);
  const endpoint = text('s3.endpoint', o.endpoint);
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw new InvalidOptionError('s3.endpoint', 'a URL such as http://127.0.0.1:9000', endpoint);
  }
  const forcePathStyle = boolean('s3.forcePathStyle', o.forcePathStyle, undefined);
  return {
    endpoint,
    region: text('s3.region', o.region),
    forcePathStyle,
    partSize: integer('s3.partSize', o.partSize, OUTPUT_DEFAULTS.minPartSize, OUTPUT_DEFAULTS.partSize),
  };
}
