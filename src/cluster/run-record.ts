import path from 'node:path';
import type { Redis } from 'ioredis';
import { isRemoteDir } from '../engine/output-options.js';
import type { DownloadOptions } from '../engine/options.js';
import { InvalidOptionError } from '../errors/index.js';
import { QUEUE_PREFIX } from './shard-job.js';

/** What every worker of a run downloads with: stored with the queue by `enqueue`. */
export interface RunRecord {
  version: 1;
  /** Items per job. */
  shardItems: number;
  /** The run's options, less what each worker sets for itself (`concurrency`, `workers`) and the signal. */
  options: DownloadOptions;
}

/** Options of a run as they travel with it (JSON). Pure. */
export function runRecordOf(options: DownloadOptions, shardItems: number): RunRecord {
  const { concurrency: _c, workers: _w, signal: _s, ca, ...rest } = options;
  const travelling: DownloadOptions = { ...rest };
  // Every worker writes to the same place, wherever it was started from.
  const dir = options.dir ?? process.cwd();
  travelling.dir = isRemoteDir(dir) ? dir : path.resolve(dir);
  if (ca !== undefined) {
    const list = Array.isArray(ca) ? ca : [ca];
    travelling.ca = list.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8')));
  }
  return JSON.parse(JSON.stringify({ version: 1, shardItems, options: travelling })) as RunRecord;
}

export function runRecordKey(queue: string): string {
  return `${QUEUE_PREFIX}:${queue}:run`;
}

/**
 * Stores `record` for the queue, unless one is there: then it must be the same run (the same
 * options and shard size), or the queue holds another run and nothing is added.
 */
export async function checkRunRecord(redis: Redis, key: string, record: RunRecord): Promise<void> {
  const text = JSON.stringify(record);
  const stored = await redis.set(key, text, 'NX');
  if (stored === 'OK') return;
  const existing = await redis.get(key);
  if (existing !== text) {
    throw new InvalidOptionError(
      'queue',
      'a queue of this run, or a new queue: it holds a run with other options or another shard size',
      key,
    );
  }
}

/** The run a queue holds, or undefined when nothing was enqueued to it. */
export async function readRunRecord(redis: Redis, key: string): Promise<RunRecord | undefined> {
  const text = await redis.get(key);
  return text === null ? undefined : (JSON.parse(text) as RunRecord);
}
