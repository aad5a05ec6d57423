// Runs one command the way the benchmark times it: under GNU time (CPU of the whole waited-for
// process tree, largest single RSS), with the tree's summed RSS sampled from /proc, and bounded in
// time (killed at its timeout, or deliberately stopped after a fixed window for W5).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { descendants, readProcTable, readPss, CLOCK_TICKS_PER_S } from './proc.js';

export const GNU_TIME = '/usr/bin/time';
const SAMPLE_EVERY_MS = 100;

export interface Invocation {
  cmd: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface MeasureOptions {
  /** stdout and stderr of the command go here. */
  logFile: string;
  /** GNU time writes its figures here. */
  timeFile: string;
  /** Kill the tree after this long and call the run timed out. */
  timeoutS: number;
  /** Kill the tree after this long on purpose (a bounded run, not a failure). */
  stopAfterS?: number;
}

export interface Measured {
  /** Epoch milliseconds just before the spawn. */
  startedAtMs: number;
  wallS: number;
  /** user + system CPU seconds of the command and every descendant it waited for. */
  cpuS: number;
  /**
   * Peak memory: the larger of the largest single process's RSS (GNU time) and the peak, over
   * 100 ms samples, of the tree's summed PSS (so forked workers' shared pages count once).
   */
  peakRssBytes: number;
  exitCode: number | null;
  /** Killed because it ran past its timeout. */
  timedOut: boolean;
  /** Killed at the end of its fixed window (stopAfterS). */
  stopped: boolean;
}

interface TimeFigures {
  cpuS: number;
  maxRssBytes: number;
}

function readTimeFile(path: string): TimeFigures | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => /^[\d.]+ [\d.]+ [\d.]+ \d+$/.test(line.trim()));
  const last = lines.at(-1);
  if (last === undefined) return undefined;
  const [, user, sys, maxRssKiB] = last.trim().split(' ').map(Number);
  return { cpuS: (user ?? 0) + (sys ?? 0), maxRssBytes: (maxRssKiB ?? 0) * 1024 };
}

/** SIGKILL every descendant of `root`, repeating while new ones appear (a pool may be forking). */
export async function killDescendants(root: number): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const victims = descendants(root);
    if (victims.length === 0) return;
    for (const { pid } of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(50);
  }
}

/**
 * The environment every tool runs in: the harness's own, less NODE_EXTRA_CA_CERTS. Node reads
 * that file before it runs a line of code (about 40 ms on this machine, whose set-up sets it), a
 * cost only the Node-based tools would pay, for TLS that no workload uses.
 */
export function toolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _unused, ...rest } = env;
  return rest;
}

let current: number | undefined;
/** The process group of the command being measured, so an interrupted harness can end it. */
export function currentGroup(): number | undefined {
  return current;
}

export async function measure(inv: Invocation, opts: MeasureOptions): Promise<Measured> {
  const haveTime = existsSync(GNU_TIME);
  rmSync(opts.timeFile, { force: true });
  const log = openSync(opts.logFile, 'w');
  const [cmd, args] = haveTime
    ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', opts.timeFile, inv.cmd, ...inv.args]]
    : [inv.cmd, inv.args];

  const startedAtMs = Date.now();
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, args, {
    cwd: inv.cwd,
    env: inv.env ?? toolEnv(),
    stdio: ['ignore', log, log],
    detached: true, // its own process group, so nothing it forks outlives a kill
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(127));
  });
  const root = child.pid ?? -1;
  current = root;

  // Sample the tree: summed PSS, and CPU ticks per process (GNU time cannot see the CPU of processes
  // that were killed before anyone waited for them, e.g. a pool's workers when W5 stops it).
  let peakTreePss = 0;
  const ticksByPid = new Map<number, number>();
  const sample = (): void => {
    const table = readProcTable();
    const tree = descendants(root, table);
    if (!haveTime) {
      const self = table.get(root);
      if (self) tree.push(self);
    }
    let pss = 0;
    for (const proc of tree) {
      pss += readPss(proc.pid) ?? proc.rssBytes;
      ticksByPid.set(proc.pid, Math.max(ticksByPid.get(proc.pid) ?? 0, proc.cpuTicks));
    }
    peakTreePss = Math.max(peakTreePss, pss);
  };
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);

  let timedOut = false;
  let stopped = false;
  const stop = async (why: 'timeout' | 'stop'): Promise<void> => {
    if (why === 'timeout') timedOut = true;
    else stopped = true;
    sample();
    await killDescendants(root);
    if (!haveTime) {
      try {
        process.kill(root, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  const timers = [setTimeout(() => void stop('timeout'), opts.timeoutS * 1000)];
  if (opts.stopAfterS !== undefined) timers.push(setTimeout(() => void stop('stop'), opts.stopAfterS * 1000));

  const exitCode = await exited;
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  for (const timer of timers) clearTimeout(timer);
  try {
    process.kill(-root, 'SIGKILL'); // anything left in its group (orphans of a killed pool)
  } catch {
    // the group is empty
  }
  current = undefined;

  const figures = haveTime ? readTimeFile(opts.timeFile) : undefined;
  const sampledCpuS = [...ticksByPid.values()].reduce((a, b) => a + b, 0) / CLOCK_TICKS_PER_S;
  const cpuS = Math.max(figures?.cpuS ?? 0, sampledCpuS);
  return {
    startedAtMs,
    wallS,
    cpuS,
    peakRssBytes: Math.max(peakTreePss, figures?.maxRssBytes ?? 0),
    exitCode,
    timedOut,
    stopped,
  };
}
