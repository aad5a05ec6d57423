export { Downloader, type ItemSource } from './engine/downloader.js';
export { download } from './engine/download.js';
export type {
  DownloadOptions,
  BackoffOptions,
  TimeoutOptions,
  OverwritePolicy,
  LowSpeedOptions,
} from './engine/options.js';
export type { OutputOptions, S3Options } from './engine/output-options.js';
export { VERSION } from './engine/options.js';
export type { CookieOptions } from './engine/auth-options.js';
export type { Credentials } from './transport/credentials.js';
export { redactCredentials } from './transport/credentials.js';
export type {
  DownloaderEvents,
  StartEvent,
  ProgressEvent,
  RetryEvent,
  RunSizes,
  RunStats,
  RunSummary,
} from './engine/events.js';
export type {
  DownloadItem,
  DownloadResult,
  FailureResult,
  FieldValue,
  ResultStatus,
  SuccessResult,
} from './download/item.js';
export * from './errors/index.js';
export {
  writeRunPage,
  readReport,
  readRunInfo,
  runFileOf,
  RunAggregator,
  runPageHtml,
  type ReportLine,
  type RunInfo,
  type RunView,
} from './render/html/index.js';
