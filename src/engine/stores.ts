import { createHash } from 'node:crypto';
import os from 'node:os';
import { FileStore } from '../storage/file-store.js';
import { S3Store } from '../storage/s3/s3-store.js';
import { ShardStore } from '../storage/shards/shard-store.js';
import type { Store } from '../storage/store.js';
import type { NormalizedOptions } from './options.js';

/**
 * Object storage or shards, from the run's options. A module of its own (and a file of its own
 * in the bundled command), loaded by `createStore` only for a run that writes into one: the AWS
 * SDK, tar and parquet cost a plain run nothing.
 */
export function storeFor(options: NormalizedOptions): Store {
  const remote = options.remote !== undefined;
  const { format, shardItems, shardBytes, part } = options.output;
  if (format === 'files') return objectStore(options);
  // Items waiting for their turn stay on the output's own disk, or in the temp folder for a
  // bucket, named after it there: what a killed run left is removed by the next run to it. A
  // part's wait in this machine's temp folder, named after the output and the part: other
  // machines' parts in a shared folder are not this one's to remove.
  const local = !remote && !part;
  const tag = part ? `${options.remote ?? options.dir}#${part.shard}` : options.remote;
  return new ShardStore({
    base: remote ? objectStore(options) : new FileStore(options.dir),
    shardItems,
    ...(shardBytes === undefined ? {} : { shardBytes }),
    spoolDir: local ? options.dir : os.tmpdir(),
    sweepSpool: true,
    ...(tag === undefined ? {} : { spoolTag: createHash('sha256').update(tag).digest('hex').slice(0, 12) }),
    ...(part ? { part } : {}),
  });
}

/** The run's bucket and prefix, reached as its `s3` options say. */
function objectStore(options: NormalizedOptions): S3Store {
  const { endpoint, region, forcePathStyle, partSize } = options.s3;
  return new S3Store({
    url: options.remote!,
    partSize,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(forcePathStyle === undefined ? {} : { forcePathStyle }),
  });
}
