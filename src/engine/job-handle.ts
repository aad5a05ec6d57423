import type { ParafetchError } from '../errors/index.js';
import type { DownloadItem, DownloadResult, ResultStatus } from '../download/item.js';

/** One item's download as the run drives it, wherever its transfers are made. */
export interface JobHandle {
  readonly index: number;
  readonly item: DownloadItem;
  readonly url: string;
  /** Where the file will appear, once decided. */
  readonly finalPath: string | undefined;
  /** Bytes of the current version received so far. */
  readonly bytes: number;
  /** Full size, when the server said. */
  readonly total: number | undefined;
  readonly attempts: number;
  /** Decides the destination; resolves with a result when no request is needed (skipped). */
  prepare(): Promise<DownloadResult | undefined>;
  /** One HTTP attempt: resolves with the result, or rejects with a ParafetchError. */
  attempt(signal: AbortSignal): Promise<DownloadResult>;
  /** Gives up on the item (the partial file kept when asked). */
  fail(error: ParafetchError, keepPartial: boolean): Promise<DownloadResult>;
  result(status: ResultStatus, bytes: number, sha256?: string, error?: ParafetchError): DownloadResult;
}

export { resultOf } from '../download/item.js';
