import type { Worker } from 'node:worker_threads';
import type { HttpClient } from '../transport/client.js';
import type { Loops } from './loops.js';
import type { NormalizedOptions } from './options.js';

/**
 * What a caller inside the package can ask of one run beyond its public API: `download()` that
 * every item be answered after an abort, a test that the client be built another way or that
 * a worker thread be stopped mid-run. Kept apart, keyed by the run.
 */

/** Runs that read their whole input after an abort, to answer every item (see `download`). */
const draining = new WeakSet<object>();

/** After an abort, `run` reads the rest of its input and answers each item `cancelled`. */
export function answerWholeInput(run: object): void {
  draining.add(run);
}

export function answersWholeInput(run: object): boolean {
  return draining.has(run);
}

/** How a run builds its HTTP client. */
export type ClientFactory = (options: NormalizedOptions) => HttpClient;

/** Runs whose HTTP client is built another way (a test's client that cannot be built). */
const clientFactories = new WeakMap<object, ClientFactory>();

/** `run` builds its HTTP client with `factory` instead of `new HttpClient`. */
export function buildClientWith(run: object, factory: ClientFactory): void {
  clientFactories.set(run, factory);
}

export function clientFactoryOf(run: object): ClientFactory | undefined {
  return clientFactories.get(run);
}

/** The loops of runs under way, for `workerThreadsOf`. */
const runLoops = new WeakMap<object, Loops>();

export function noteLoops(run: object, loops: Loops): void {
  runLoops.set(run, loops);
}

/** The worker threads `run` has started so far (for a test that stops one). */
export function workerThreadsOf(run: object): Worker[] {
  return runLoops.get(run)?.threads.map((t) => t.worker) ?? [];
}
