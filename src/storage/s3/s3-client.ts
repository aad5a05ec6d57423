import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /**
   * The store's URL (`http://127.0.0.1:9000`) for S3-compatible stores. Without it the SDK reads
   * `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`, then the profile's `endpoint_url`, then uses AWS.
   */
  endpoint?: string | undefined;
  /** Without it: the SDK's chain (`AWS_REGION`, the profile), else `us-east-1`. */
  region?: string | undefined;
  /**
   * `https://host/bucket/key` rather than `https://bucket.host/key`. Default: on whenever a
   * custom endpoint is set (by this option or the environment), as compatible stores expect.
   */
  forcePathStyle?: boolean | undefined;
  /** Where the endpoint variables are read from (default: process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}

/** Stores without regions often have none configured; S3 signs such requests for this one. */
const FALLBACK_REGION = 'us-east-1';

/**
 * An S3 client for a store. Credentials come from the SDK's own chain (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the shared files, SSO, instance roles…).
 * Checksums are computed and checked only when an operation requires one
 * (`WHEN_REQUIRED`): the uploads send their own SHA-256 in a header, and no request body is sent
 * with `aws-chunked` trailers, which S3-compatible stores often refuse.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const env = options.env ?? process.env;
  const customEndpoint =
    nonEmpty(options.endpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  let region: Promise<string> | undefined;
  return new S3Client({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    region: nonEmpty(options.region) ?? (() => (region ??= regionOrFallback())),
    forcePathStyle: options.forcePathStyle ?? customEndpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The region the SDK's chain finds (environment, profile), or the fallback when it finds none. */
async function regionOrFallback(): Promise<string> {
  // A client built without a region resolves it lazily through the SDK's chain; nothing is sent.
  const probe = new S3Client({});
  try {
    return nonEmpty(await probe.config.region()) ?? FALLBACK_REGION;
  } catch {
    return FALLBACK_REGION;
  } finally {
    probe.destroy();
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}
