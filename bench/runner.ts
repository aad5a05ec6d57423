// One run of one tool on one workload: a new output directory, a synced disk, measure the tool
// and the server, verify what it wrote.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, ListFiles } from './data.js';
import { measure, type Measured } from './measure.js';
import type { TestServer } from './nginx.js';
import type { Tool } from './peers.js';
import { otherCpuSince } from './proc.js';
import { waitForQuiet } from './quiet.js';
import { verifyAll, verifyStopped, type Verdict } from './verify.js';
import { verifyShards } from './verify-shards.js';
import type { Workload } from './workloads.js';

export interface RunResult {
  ok: boolean;
  problem?: string;
  wallS: number;
  cpuS: number;
  peakRssBytes: number;
  serverCpuS: number;
  /**
   * CPU seconds the rest of the machine used during the run (busy time of all cores, less the
   * tool, the server and this harness): other people's work, which makes the figures noisy.
   */
  otherCpuS: number;
  /** In the workload's unit (files/s or MB/s); for W5, files completed per second of the window. */
  throughput: number;
  /** W5: from spawn to the first request the server logged. */
  firstRequestMs?: number;
  /** W5: requests the server logged during the window. */
  served?: number;
}

export interface CaseContext {
  workload: Workload;
  tool: Tool;
  conns: number;
  dataset: Dataset;
  server: TestServer;
  lists?: ListFiles;
  outRoot: string;
  logDir: string;
  run: number;
  /** Wait up to this long for other processes to go quiet before starting (0: do not wait). */
  waitQuietS: number;
}

/**
 * Output folders of many-file workloads, removed after the workload rather than after each
 * run: on this kind of VM disk (ext4 mounted with `discard`), removing thousands of files that
 * were just written makes file creation up to ten times slower for several seconds after, so
 * the next run would pay for the previous one's clean-up.
 */
const deferred: string[] = [];
/** A workload whose files average under this size has its output removed at its end. */
const DEFER_BELOW_AVERAGE = 1024 * 1024;

/** Removes the deferred output folders, then lets the disk settle before the next workload. */
export async function removeDeferred(settleMs = 5000): Promise<void> {
  if (deferred.length === 0) return;
  for (const dir of deferred.splice(0)) rmSync(dir, { recursive: true, force: true });
  execFileSync('sync');
  await new Promise((resolve) => setTimeout(resolve, settleMs));
}

export function cleanDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

function describeFailure(m: Measured): string | undefined {
  if (m.timedOut) return `timed out after ${m.wallS.toFixed(0)} s`;
  if (!m.stopped && m.exitCode !== 0) return `exit status ${m.exitCode}`;
  return undefined;
}

export async function runCase(ctx: CaseContext): Promise<RunResult> {
  const { workload, tool, conns, dataset, server } = ctx;
  const slug = `${workload.id}-${tool.id.replace(/\W+/g, '_')}-j${conns}-r${ctx.run}`;
  const outDir = join(ctx.outRoot, 'out', slug);
  cleanDir(outDir);
  execFileSync('sync'); // the previous run's dirty pages are not this run's cost
  if (ctx.waitQuietS > 0) await waitForQuiet(server, ctx.waitQuietS);
  mkdirSync(ctx.logDir, { recursive: true });

  const entry = dataset.files[0];
  let invocation;
  if (workload.kind === 'single') {
    if (!tool.single || !entry) throw new Error(`${tool.id} has no single-file mode`);
    invocation = tool.single({
      conns,
      url: `${workload.tls ? server.tlsBaseUrl : server.baseUrl}/${workload.location}/${dataset.name}/${entry.rel}`,
      outDir,
      name: entry.rel,
    });
  } else {
    if (!tool.list || !ctx.lists) throw new Error(`${tool.id} has no list mode`);
    invocation = tool.list({ conns, outDir, lists: ctx.lists });
  }

  if (workload.kind === 'stopped') server.resetW5Log();
  const other = otherCpuSince(() => server.cpuSeconds());
  const m = await measure(invocation, {
    logFile: join(ctx.logDir, `${slug}.log`),
    timeFile: join(ctx.logDir, `${slug}.time`),
    timeoutS: workload.timeoutS,
    stopAfterS: workload.stopAfterS,
  });
  const { serverCpuS, otherCpuS } = other(m.cpuS);
  const base = { wallS: m.wallS, cpuS: m.cpuS, peakRssBytes: m.peakRssBytes, serverCpuS, otherCpuS };

  const failure = describeFailure(m);
  let verdict: Verdict;
  let throughput: number;
  let extra: Partial<RunResult> = {};
  if (workload.kind === 'stopped') {
    if (!entry) throw new Error('W5 needs its item');
    const times = server.readW5Log();
    const stopped = verifyStopped(outDir, entry, conns, ctx.run);
    verdict = stopped.complete === 0 ? { ok: false, problem: 'no file completed' } : stopped;
    const first = times[0];
    extra = { served: times.length, firstRequestMs: first === undefined ? undefined : first - m.startedAtMs };
    throughput = stopped.complete / m.wallS;
  } else if (workload.kind === 'single') {
    verdict = verifyAll(outDir, dataset.files, ctx.run);
    throughput = dataset.totalBytes / 1e6 / m.wallS;
  } else {
    const expected = dataset.files.map((f) => ({ ...f, rel: `${dataset.name}/${f.rel}` }));
    const base = workload.tls ? server.tlsBaseUrl : server.baseUrl;
    const urlOf = (f: { rel: string }) => `${base}/${workload.location}/${dataset.name}/${f.rel}`;
    verdict = tool.shards
      ? await verifyShards(outDir, dataset.files, urlOf)
      : verifyAll(outDir, expected, ctx.run);
    throughput =
      workload.unit === 'files/s' ? dataset.files.length / m.wallS : dataset.totalBytes / 1e6 / m.wallS;
  }
  const average = workload.files.reduce((n, f) => n + f.size, 0) / Math.max(1, workload.files.length);
  if (average < DEFER_BELOW_AVERAGE) deferred.push(outDir);
  else rmSync(outDir, { recursive: true, force: true });

  const problem = failure ?? (verdict.ok ? undefined : verdict.problem);
  return { ok: problem === undefined, problem, ...base, throughput, ...extra };
}
