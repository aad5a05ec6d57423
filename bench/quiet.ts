// Waiting for a quiet machine: on a shared 2-core box another process's burst of work skews a run
// more than anything the tools do. Opt-in (--wait-quiet S), since it can add minutes.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestServer } from './nginx.js';
import { otherCpuSince } from './proc.js';

const WINDOW_S = 0.5;

/** Other processes' CPU use over the next half second, in cores (1 = one core busy). */
export async function otherLoad(server: TestServer): Promise<number> {
  const other = otherCpuSince(() => server.cpuSeconds());
  await sleep(WINDOW_S * 1000);
  return other().otherCpuS / WINDOW_S;
}

/** Waits until other load drops to `maxCores` or `maxWaitS` has passed; returns the seconds waited. */
export async function waitForQuiet(server: TestServer, maxWaitS: number, maxCores = 0.2): Promise<number> {
  const start = Date.now();
  for (;;) {
    const load = await otherLoad(server);
    const waited = (Date.now() - start) / 1000;
    if (load <= maxCores || waited >= maxWaitS) return waited;
  }
}
