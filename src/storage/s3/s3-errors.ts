import { AbortedError, ParafetchError, StoreError } from '../../errors/index.js';

/** Store error codes worth trying again: the store is busy or failed inside, not refusing. */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  'PriorRequestNotComplete',
  'IDPCommunicationError',
  'EC2ThrottledException',
  'TransactionInProgressException',
]);

/** Network failures on the way to the store: the next attempt may get through. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
  cause?: unknown;
}

/** What the store said: its error code, else the HTTP status, else the network error's code. */
export function storeCodeOf(err: unknown): string | undefined {
  const e = err as SdkErrorShape | null | undefined;
  if (typeof e?.Code === 'string' && e.Code !== '') return e.Code;
  const status = statusOf(err);
  const name = typeof e?.name === 'string' ? e.name : '';
  // The SDK names an error after the code in the body; `Unknown`/`Error` when there was none.
  if (name !== '' && name !== 'Error' && name !== 'UnknownError' && name !== 'Unknown') {
    if (status !== undefined || !(typeof e?.code === 'string')) return name;
  }
  if (status !== undefined) return String(status);
  if (typeof e?.code === 'string' && e.code !== '') return e.code;
  return name === '' ? undefined : name;
}

/** The HTTP status of the store's answer, when there was one. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as SdkErrorShape | null | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Whether the store said there is no such object (HeadObject has no body: just a 404). */
export function isNotFound(err: unknown): boolean {
  const code = storeCodeOf(err);
  return code === 'NotFound' || code === 'NoSuchKey' || (statusOf(err) === 404 && code === '404');
}

/** Whether trying again may succeed: a 5xx, throttling, a timeout, a dropped connection. */
export function isRetryable(err: unknown): boolean {
  const e = err as SdkErrorShape | null | undefined;
  const status = statusOf(err);
  const code = storeCodeOf(err);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e?.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  if (e?.cause !== undefined && e.cause !== err && typeof e.cause === 'object') {
    const inner = e.cause as SdkErrorShape;
    if (typeof inner.code === 'string' && NETWORK_CODES.has(inner.code)) return true;
  }
  return false;
}

/**
 * A failed request to the store as parafetch reports it. An abort stays an abort: when `signal`
 * was aborted the signal's reason is rethrown when it is a ParafetchError, else an AbortedError.
 * Everything else becomes a StoreError saying what was done (`PutObject s3://b/k`), with the
 * store's code and whether to retry.
 */
export function toStoreError(err: unknown, what: string, signal?: AbortSignal): ParafetchError {
  if (signal?.aborted) {
    return signal.reason instanceof ParafetchError ? signal.reason : new AbortedError(what, signal.reason);
  }
  if (err instanceof ParafetchError) return err;
  const e = err as SdkErrorShape | null | undefined;
  if (e?.name === 'AbortError') return new AbortedError(what, err);
  const storeCode = storeCodeOf(err);
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  const said = storeCode === undefined || message.includes(storeCode) ? message : `${storeCode}: ${message}`;
  return new StoreError(`${what} failed: ${said}`, {
    cause: err,
    retryable: isRetryable(err),
    ...(storeCode === undefined ? {} : { storeCode }),
  });
}
