// The markdown report: a header (date, machine, versions, server), a summary of parafetch
// against the best peer and the physical limit, then one table per workload.
import type { Tool } from './peers.js';
import type { RunResult } from './runner.js';
import { fixed, median, spread } from './stats.js';
import type { Workload } from './workloads.js';

export interface CaseResult {
  workload: Workload;
  tool: Tool;
  conns: number;
  /** Why it did not run (a missing peer, parafetch not built). */
  skipped?: string;
  runs: RunResult[];
}

export interface WorkloadResult {
  workload: Workload;
  cases: CaseResult[];
  /** Physical limit in the workload's unit, per connection count. */
  limit?: (conns: number) => number;
  limitHow: string;
  notes: string[];
  /** Runs per case in this workload. */
  runs: number;
}

export interface ReportInput {
  startedAt: Date;
  quick: boolean;
  runsPerCase: number;
  durationS: number;
  machine: Array<[string, string]>;
  versions: Array<[string, string]>;
  setup: string[];
  results: WorkloadResult[];
}

const MiB = 1024 * 1024;

function ok(c: CaseResult): RunResult[] {
  return c.runs.filter((r) => r.ok);
}

function pick(c: CaseResult, f: (r: RunResult) => number | undefined): number[] {
  return ok(c)
    .map(f)
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
}

function blanks(n: number): string[] {
  return Array.from({ length: n }, () => '');
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface Best {
  tool: string;
  value: number;
}

/** The best peer (not parafetch) at `conns`: highest median, or lowest when `lower`. */
function bestPeer(
  cases: CaseResult[],
  conns: number,
  metric: (r: RunResult) => number | undefined,
  lower = false,
): Best | undefined {
  let best: Best | undefined;
  for (const c of cases) {
    if ((c.tool.isParafetch && !c.tool.baseline) || c.conns !== conns) continue;
    const values = pick(c, metric);
    if (values.length === 0) continue;
    const value = median(values);
    if (!best || (lower ? value < best.value : value > best.value)) best = { tool: c.tool.id, value };
  }
  return best;
}

function statusCell(c: CaseResult): string {
  if (c.skipped) return c.skipped;
  const good = ok(c).length;
  const failed = c.runs.filter((r) => !r.ok);
  const problems = [...new Set(failed.map((r) => r.problem ?? 'failed'))];
  return `${good}/${c.runs.length}${problems.length > 0 ? ` FAILED: ${problems.join('; ')}` : ''}`;
}

function ratio(value: number, best: Best | undefined): string {
  if (!best || !Number.isFinite(value) || best.value === 0) return '';
  return `${fixed(value / best.value, 2)}x ${best.tool}`;
}

function throughputTable(w: WorkloadResult): string {
  const { workload } = w;
  const bytes = workload.files.reduce((sum, f) => sum + f.size, 0);
  const gb = bytes / 1e9;
  const perFile = workload.unit === 'files/s';
  const header = [
    'tool',
    'conns',
    'runs ok',
    'wall s',
    workload.unit,
    '% of limit',
    'CPU s',
    perFile ? 'CPU ms/file' : 'CPU s/GB',
    'peak RSS MiB',
    'server CPU %',
    'other CPU %',
    'vs best peer',
  ];
  const rows = w.cases.map((c) => {
    const name = c.tool.isParafetch ? `**${c.tool.id}**` : c.tool.id;
    if (c.skipped || ok(c).length === 0)
      return [name, `${c.conns}`, statusCell(c), ...blanks(header.length - 3)];
    const tput = pick(c, (r) => r.throughput);
    const limit = w.limit?.(c.conns);
    const best =
      c.tool.isParafetch && !c.tool.baseline ? bestPeer(w.cases, c.conns, (r) => r.throughput) : undefined;
    return [
      name,
      `${c.conns}`,
      statusCell(c),
      spread(pick(c, (r) => r.wallS)),
      spread(tput),
      limit ? `${fixed((100 * median(tput)) / limit, 0)}%` : '',
      spread(pick(c, (r) => r.cpuS)),
      perFile
        ? fixed((1000 * median(pick(c, (r) => r.cpuS))) / workload.files.length, 2)
        : fixed(median(pick(c, (r) => r.cpuS)) / gb, 2),
      spread(pick(c, (r) => r.peakRssBytes / MiB)),
      fixed(median(pick(c, (r) => (100 * r.serverCpuS) / r.wallS)), 0),
      fixed(median(pick(c, (r) => (100 * r.otherCpuS) / r.wallS)), 0),
      ratio(median(tput), best),
    ];
  });
  return table(header, rows);
}

function stoppedTable(w: WorkloadResult): string {
  const window = w.workload.stopAfterS ?? 0;
  const header = [
    'tool',
    'conns',
    'runs ok',
    'ms to first request',
    'peak RSS MiB',
    `requests in ${window} s`,
    'files/s',
    'CPU s',
    'server CPU %',
    'other CPU %',
    'vs best peer (first request, RSS)',
  ];
  const rows = w.cases.map((c) => {
    const name = c.tool.isParafetch ? `**${c.tool.id}**` : c.tool.id;
    if (c.skipped || ok(c).length === 0)
      return [name, `${c.conns}`, statusCell(c), ...blanks(header.length - 3)];
    let versus = '';
    if (c.tool.isParafetch) {
      const ttfb = ratio(
        median(pick(c, (r) => r.firstRequestMs)),
        bestPeer(w.cases, c.conns, (r) => r.firstRequestMs, true),
      );
      const rss = ratio(
        median(pick(c, (r) => r.peakRssBytes)),
        bestPeer(w.cases, c.conns, (r) => r.peakRssBytes, true),
      );
      versus = `${ttfb}, ${rss}`;
    }
    return [
      name,
      `${c.conns}`,
      statusCell(c),
      spread(pick(c, (r) => r.firstRequestMs)),
      spread(pick(c, (r) => r.peakRssBytes / MiB)),
      spread(pick(c, (r) => r.served)),
      spread(pick(c, (r) => r.throughput)),
      spread(pick(c, (r) => r.cpuS)),
      fixed(median(pick(c, (r) => (100 * r.serverCpuS) / r.wallS)), 0),
      fixed(median(pick(c, (r) => (100 * r.otherCpuS) / r.wallS)), 0),
      versus,
    ];
  });
  return table(header, rows);
}

/** parafetch's CPU seconds for the same work / the lowest peer's (W5: per file completed). */
function cpuVersusPeers(w: WorkloadResult, c: CaseResult): string {
  const perWork = (r: RunResult): number =>
    w.workload.kind === 'stopped' ? r.cpuS / Math.max(1, r.throughput * r.wallS) : r.cpuS;
  return ratio(median(pick(c, perWork)), bestPeer(w.cases, c.conns, perWork, true));
}

function summary(results: WorkloadResult[]): string {
  const rows: string[][] = [];
  for (const w of results) {
    for (const c of w.cases.filter((x) => x.tool.isParafetch && !x.tool.baseline)) {
      const label = `${w.workload.id} ${c.tool.id}`;
      if (c.skipped || ok(c).length === 0) {
        rows.push([label, `${c.conns}`, statusCell(c), '', '', '', '']);
        continue;
      }
      if (w.workload.kind === 'stopped') {
        const ttfb = median(pick(c, (r) => r.firstRequestMs));
        const best = bestPeer(w.cases, c.conns, (r) => r.firstRequestMs, true);
        rows.push([
          label,
          `${c.conns}`,
          `${fixed(ttfb, 0)} ms to first request`,
          best ? `${best.tool} ${fixed(best.value, 0)} ms` : '',
          ratio(ttfb, best),
          '',
          cpuVersusPeers(w, c),
        ]);
        continue;
      }
      const tput = median(pick(c, (r) => r.throughput));
      const best = bestPeer(w.cases, c.conns, (r) => r.throughput);
      const limit = w.limit?.(c.conns);
      rows.push([
        label,
        `${c.conns}`,
        `${fixed(tput, 1)} ${w.workload.unit}`,
        best ? `${best.tool} ${fixed(best.value, 1)}` : '',
        ratio(tput, best),
        limit ? `${fixed((100 * tput) / limit, 0)}% of ${fixed(limit, 0)}` : '',
        cpuVersusPeers(w, c),
      ]);
    }
  }
  if (rows.length === 0) return '_parafetch was not among the tools run._';
  return table(
    [
      'case',
      'conns',
      'parafetch',
      'best peer',
      'parafetch / best peer',
      'vs physical limit',
      'CPU / leanest peer',
    ],
    rows,
  );
}

export function renderReport(input: ReportInput): string {
  const out: string[] = [];
  const date = input.startedAt.toISOString().replace('T', ' ').slice(0, 16);
  out.push(`# parafetch benchmark, ${date} UTC${input.quick ? ' (quick)' : ''}`, '');
  out.push(
    `Up to ${input.runsPerCase} run(s) per case (each workload says how many); each cell is the median over the ` +
      'successful runs, with min-max in parentheses. ' +
      `Whole harness: ${fixed(input.durationS / 60, 1)} min. Columns are explained in bench/README.md.`,
    '',
  );
  const others = input.results.flatMap((w) =>
    w.cases.flatMap((c) => c.runs.map((r) => (100 * r.otherCpuS) / r.wallS)),
  );
  const otherMedian = median(others);
  if (otherMedian > 15)
    out.push(
      `**Warning: other processes kept the machine busy during these runs (median ${fixed(otherMedian, 0)}% of a core ` +
        'besides the tool and the server; see "other CPU %"). Rows with a high figure are noisy; rerun on a quiet machine.**',
      '',
    );
  out.push('## Machine and set-up', '');
  out.push(
    table(
      ['', ''],
      [...input.machine, ...input.versions.map(([k, v]): [string, string] => [`${k} version`, v])],
    ),
  );
  out.push('');
  for (const line of input.setup) out.push(`- ${line}`);
  out.push('', '## parafetch against the best peer and the physical limit', '', summary(input.results), '');
  for (const w of input.results) {
    out.push(
      `## ${w.workload.id}: ${w.workload.title}`,
      '',
      `${w.workload.shape}. Physical limit: ${w.limitHow}.`,
      '',
    );
    out.push(w.workload.kind === 'stopped' ? stoppedTable(w) : throughputTable(w), '');
    for (const note of w.notes) out.push(`- ${note}`);
    if (w.notes.length > 0) out.push('');
  }
  return out.join('\n');
}
