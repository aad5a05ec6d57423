import type { DownloadItem } from './item.js';
import { DownloadJob } from './job.js';
import type { JobContext } from './job-context.js';
import { StoreJob } from './store-job.js';

/** One item's job: into the local folder's files, or one stream into the run's store when it writes front to back only. */
export function createJob(index: number, item: DownloadItem, ctx: JobContext): DownloadJob | StoreJob {
  const store = ctx.store;
  return store && !store.capabilities.positional
    ? new StoreJob(index, item, ctx, store)
    : new DownloadJob(index, item, ctx);
}
