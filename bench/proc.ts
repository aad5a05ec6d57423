// Reading /proc: the process table (parent, CPU ticks, resident pages) and a process's descendants.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ (`getconf CLK_TCK`); 100 on every mainstream kernel. */
export const CLOCK_TICKS_PER_S = 100;
export const PAGE_BYTES = 4096;

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  rssBytes: number;
}

/** One process's /proc/<pid>/stat, or undefined when it is gone. */
export function readProc(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field k is at index k - 3.
  return {
    pid,
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    rssBytes: Number(fields[21]) * PAGE_BYTES,
  };
}

export function readProcTable(): Map<number, ProcInfo> {
  const table = new Map<number, ProcInfo>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const info = readProc(pid);
    if (info) table.set(pid, info);
  }
  return table;
}

/** Every live descendant of `root` (not `root` itself). */
export function descendants(root: number, table = readProcTable()): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const info of table.values()) {
    const siblings = children.get(info.ppid);
    if (siblings) siblings.push(info);
    else children.set(info.ppid, [info]);
  }
  const found: ProcInfo[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** Proportional set size (shared pages split among their users), or undefined when gone. */
export function readPss(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const match = /^Pss:\s+(\d+) kB/m.exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `root` and its live descendants, from one read of /proc. */
export function treeCpuSeconds(root: number): number {
  const table = readProcTable();
  let ticks = table.get(root)?.cpuTicks ?? 0;
  for (const p of descendants(root, table)) ticks += p.cpuTicks;
  return ticks / CLOCK_TICKS_PER_S;
}

/**
 * Starts measuring the CPU the rest of the machine uses: busy time of every core, less the
 * server and this harness. The returned function also takes out `toolCpuS`, the tool's own.
 */
export function otherCpuSince(serverCpuSeconds: () => number): (toolCpuS?: number) => {
  serverCpuS: number;
  otherCpuS: number;
} {
  const busy = machineBusySeconds();
  const server = serverCpuSeconds();
  const self = process.cpuUsage();
  return (toolCpuS = 0) => {
    const serverCpuS = serverCpuSeconds() - server;
    const mine = process.cpuUsage(self);
    const selfS = (mine.user + mine.system) / 1e6;
    return {
      serverCpuS,
      otherCpuS: Math.max(0, machineBusySeconds() - busy - toolCpuS - serverCpuS - selfS),
    };
  };
}

/** CPU seconds the whole machine has spent busy (every core, every process) since boot. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_S;
}
