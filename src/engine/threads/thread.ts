import { parentPort, workerData } from 'node:worker_threads';
import type { Claims } from '../../download/claims.js';
import { createJob } from '../../download/create-job.js';
import type { DownloadJob } from '../../download/job.js';
import type { StoreJob } from '../../download/store-job.js';
import { InternalError } from '../../errors/index.js';
import { HttpClient } from '../../transport/client.js';
import type { CookieStore } from '../../transport/cookies.js';
import type { NormalizedOptions } from '../options.js';
import { jobContext } from '../run-context.js';
import { createStore } from '../output.js';
import { LentConnections } from './lent-connections.js';
import { Outbox } from './outbox.js';
import { GrantedBytes } from './rate-grants.js';
import { hostShare } from './share.js';
import {
  fromWire,
  resultToWire,
  toWire,
  type ClaimAsk,
  type CookieAsk,
  type FromWorker,
  type JobNews,
  type ToWorker,
} from './wire.js';

/** What a worker thread is started with. */
export interface ThreadData {
  options: Omit<NormalizedOptions, 'signal'>;
  /** This loop's place among the loops that make transfers, and how many there are. */
  loop: number;
  loops: number;
}

/**
 * A worker thread of a run: it makes the transfers of the jobs it is given, with its own
 * connection pools (its share of each origin's connections), and asks the run for every
 * destination claim. Jobs live here from `prepare` to their result, across attempts.
 */
async function serve(port: NonNullable<typeof parentPort>, data: ThreadData): Promise<void> {
  const options = { ...data.options, signal: undefined } as NormalizedOptions;
  // Before the first message is taken (they wait in the port until then).
  const store = await createStore(options);
  const outbox = new Outbox<FromWorker>((batch) => port.postMessage(batch));
  const post = (m: FromWorker) => outbox.post(m);
  // The run's rate limit is held by the run: this thread spends what it grants.
  const grants =
    options.limitRate > 0
      ? new GrantedBytes(options.limitRate, (n) => post({ type: 'grant', n }))
      : undefined;
  const client = new HttpClient({
    ...options,
    connectionsFor: (origin) => hostShare(options.perHost, data.loops, data.loop, origin),
    budget: grants,
  });

  let nextCall = 0;
  const asked = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  const ask = (q: ({ type: 'claim' } & ClaimAsk) | ({ type: 'cookie' } & CookieAsk)) =>
    new Promise<unknown>((resolve, reject) => {
      const call = ++nextCall;
      asked.set(call, { resolve, reject });
      post({ ...q, call });
    });
  const release = (path: string, hold: number) => () =>
    post({ type: 'claim', call: 0, op: 'release', path, hold });
  const claims: Claims = {
    uniqueDerived: (path, index, source) =>
      ask({ type: 'claim', op: 'uniqueDerived', path, index, source }) as Promise<string>,
    taken: (path) => ask({ type: 'claim', op: 'taken', path }) as Promise<boolean>,
    hold: async (path) => release(path, (await ask({ type: 'claim', op: 'hold', path })) as number),
    tryHold: async (path) => {
      const hold = (await ask({ type: 'claim', op: 'tryHold', path })) as number | undefined;
      return hold === undefined ? undefined : release(path, hold);
    },
  };

  // Bytes received, told to the run in batches.
  const delta = new Map<number, number>();
  let newsTimer: NodeJS.Timeout | undefined;
  const jobs = new Map<number, { job: DownloadJob | StoreJob; controller?: AbortController }>();
  const news = (job: DownloadJob | StoreJob): JobNews => {
    const d = delta.get(job.index) ?? 0;
    delta.delete(job.index);
    return {
      index: job.index,
      finalPath: job.finalPath,
      bytes: job.bytes,
      total: job.total,
      attempts: job.attempts,
      delta: d,
    };
  };
  const sendNews = () => {
    newsTimer = undefined;
    const batch: JobNews[] = [];
    for (const index of delta.keys()) {
      const entry = jobs.get(index);
      if (entry) batch.push(news(entry.job));
    }
    delta.clear();
    if (batch.length) post({ type: 'news', news: batch });
  };
  const connections = new LentConnections((ask) => post({ type: 'lend', ...ask }));
  const ctx = jobContext(
    options,
    client,
    claims,
    (job, n) => {
      delta.set(job.index, (delta.get(job.index) ?? 0) + n);
      newsTimer ??= setTimeout(sendNews, Math.min(100, Math.max(10, options.progressIntervalMs)));
    },
    store,
  );
  ctx.connections = connections;
  // The run's cookies are kept by the thread that runs it; each request asks it, and waits.
  const cookies: CookieStore | undefined = options.cookies && {
    cookieHeader: async (url) => (await ask({ type: 'cookie', op: 'cookieHeader', url: url.href })) as string,
    received: async (url, setCookie) => {
      await ask({ type: 'cookie', op: 'cookiesReceived', url: url.href, setCookie: [...setCookie] });
    },
  };
  ctx.cookies = cookies;

  /** Runs one step of a job and answers the call; a step with a result ends the job here. */
  const step = async (call: number, job: DownloadJob | StoreJob, run: () => Promise<unknown>) => {
    try {
      const result = (await run()) as Parameters<typeof resultToWire>[0] | undefined;
      if (result) jobs.delete(job.index);
      post({ type: 'done', call, result: result && resultToWire(result), news: news(job) });
    } catch (err) {
      post({ type: 'done', call, error: toWire(err), news: news(job) });
    }
  };

  /** A call for a job this thread does not have: a bug of the run, answered as one. */
  const unknown = (call: number, index: number) => {
    const error = toWire(new InternalError(`item ${index}`, 'no such job on this worker thread'));
    post({
      type: 'done',
      call,
      error,
      news: { index, finalPath: undefined, bytes: 0, total: undefined, attempts: 0, delta: 0 },
    });
  };

  port.on('message', (batch: ToWorker[]) => {
    for (const m of batch) receive(m);
  });

  const receive = (m: ToWorker): void => {
    switch (m.type) {
      case 'prepare': {
        const job = createJob(m.index, m.item, ctx);
        jobs.set(m.index, { job });
        void step(m.call, job, () => job.prepare());
        return;
      }
      case 'attempt': {
        const entry = jobs.get(m.index);
        if (!entry) return unknown(m.call, m.index);
        const controller = new AbortController();
        entry.controller = controller;
        void step(m.call, entry.job, () => entry.job.attempt(controller.signal));
        return;
      }
      case 'fail': {
        const entry = jobs.get(m.index);
        if (!entry) return unknown(m.call, m.index);
        void step(m.call, entry.job, () => entry.job.fail(fromWire(m.error), m.keepPartial));
        return;
      }
      case 'abort':
        jobs.get(m.index)?.controller?.abort(fromWire(m.reason));
        return;
      case 'claimed': {
        const waiting = asked.get(m.call);
        asked.delete(m.call);
        if (m.error) waiting?.reject(fromWire(m.error));
        else waiting?.resolve(m.value);
        return;
      }
      case 'lent':
        connections.lent(m.origin, m.n);
        return;
      case 'wanted':
        connections.setWanted(m.value);
        return;
      case 'granted':
        grants?.granted(m.n);
        return;
      case 'close':
        clearTimeout(newsTimer);
        void Promise.allSettled([client.close(), ctx.store?.close()]).finally(() => {
          post({ type: 'closed' });
          outbox.flush();
          port.close();
        });
        return;
    }
  };
}

if (parentPort) void serve(parentPort, workerData as ThreadData);
