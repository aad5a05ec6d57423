// Entry point of `npm run bench`: set-up, data, server, every workload x tool x concurrency x run,
// then the markdown report in bench/results/ (also printed).
//
//   node dist/bench/run.js [--quick] [--only W1,W3] [--runs N] [--tools curl,parafetch]
//                          [--conns 8,32] [--out-dir DIR] [--no-setup] [--wait-quiet S]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDataset, warmPageCache, writeLists, type Dataset, type ListItem } from './data.js';
import { measureThroughputLimit } from './limits.js';
import { currentGroup, GNU_TIME } from './measure.js';
import { startServer, type TestServer } from './nginx.js';
import { BENCH, RESULTS, WORK } from './paths.js';
import { missingReason, TOOLS, versions } from './peers.js';
import { renderReport, type CaseResult, type WorkloadResult } from './report.js';
import { cleanDir, removeDeferred, runCase, type RunResult } from './runner.js';
import { inOrderIdeal, LATENCY_MS, RATE_BYTES_PER_S, workloads, type Workload } from './workloads.js';

interface Options {
  quick: boolean;
  only?: string[];
  runs?: number;
  tools?: string[];
  conns?: number[];
  outDir: string;
  setup: boolean;
  waitQuietS: number;
}

const USAGE = `usage: node dist/bench/run.js [--quick] [--only W1,W3] [--runs N] [--tools curl,parafetch]
                            [--conns 8,32] [--out-dir DIR] [--no-setup] [--wait-quiet S]`;

function parseArgs(argv: string[]): Options {
  const opts: Options = { quick: false, outDir: WORK, setup: true, waitQuietS: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    const list = (): string[] => value().split(',').filter(Boolean);
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--only') opts.only = list().map((s) => s.toUpperCase());
    else if (arg === '--runs') opts.runs = Number(value());
    else if (arg === '--tools') opts.tools = list();
    else if (arg === '--conns') opts.conns = list().map(Number);
    else if (arg === '--out-dir') opts.outDir = resolve(value());
    else if (arg === '--no-setup') opts.setup = false;
    else if (arg === '--wait-quiet') opts.waitQuietS = Number(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (opts.runs !== undefined && !(Number.isInteger(opts.runs) && opts.runs >= 1))
    throw new Error(`--runs must be an integer from 1 up, got ${opts.runs}`);
  if (!(opts.waitQuietS >= 0))
    throw new Error(`--wait-quiet must be a number of seconds, got ${opts.waitQuietS}`);
  if (opts.conns?.some((n) => !(Number.isInteger(n) && n >= 1)))
    throw new Error(`--conns must be integers from 1 up, got ${opts.conns.join(',')}`);
  return opts;
}

function runSetup(): string[] {
  const result = spawnSync('bash', [join(BENCH, 'setup.sh')], { encoding: 'utf8', timeout: 600_000 });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const notes = text.split('\n').filter((line) => line.startsWith('setup:'));
  for (const line of notes) console.log(line);
  if (result.status !== 0) console.log(`setup: bench/setup.sh exited ${result.status}\n${text.slice(-2000)}`);
  return notes.map((line) => line.replace(/^setup: /, 'set-up: '));
}

/** The file system a path lives on, from /proc/mounts. */
function fsType(path: string): string {
  let best = { mount: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount, fstype] = line.split(' ');
    if (!mount || !fstype) continue;
    const prefix = mount.endsWith('/') ? mount : `${mount}/`;
    if ((path === mount || path.startsWith(prefix)) && mount.length >= best.mount.length)
      best = { mount, type: fstype };
  }
  return best.type;
}

function machine(dataDir: string, outDir: string, server: TestServer | undefined): Array<[string, string]> {
  const cpu = cpus();
  return [
    ['cores', `${cpu.length} x ${cpu[0]?.model ?? 'unknown'}`],
    ['memory', `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['kernel', `${type()} ${release()}`],
    [
      'data served from',
      `${dataDir} (${fsType(dataDir)}, read once before each workload so it is page-cached)`,
    ],
    [
      'downloads written to',
      `${outDir} (${fsType(outDir)}), a new folder for every run, synced before it starts; many-file workloads' folders are removed after the workload`,
    ],
    [
      'server',
      server
        ? `nginx ${server.version} on 127.0.0.1:${server.port}, ${server.workers} workers, sendfile, keep-alive, Range; ` +
          `latency by echo_sleep (${LATENCY_MS} ms), cap by limit_rate (${RATE_BYTES_PER_S / 1e6} MB/s per request)`
        : 'not started',
    ],
    [
      'CPU and memory',
      existsTime()
        ? 'GNU time (user+sys of the tree, max RSS) + /proc sampling every 100 ms'
        : '/proc sampling only',
    ],
  ];
}

function existsTime(): boolean {
  return spawnSync(GNU_TIME, ['--version']).status === 0;
}

/** Where a workload's files are served: plain HTTP, or TLS with HTTP/2 offered. */
function baseUrlOf(w: Workload, server: TestServer): string {
  return w.tls ? server.tlsBaseUrl : server.baseUrl;
}

function* listItems(w: Workload, dataset: Dataset, baseUrl: string): Generator<ListItem> {
  if (w.kind === 'stopped') {
    for (let i = 0; i < (w.listLines ?? 0); i++) {
      const rel = `d${Math.floor(i / 1000)}/f${i}.bin`;
      yield { url: `${baseUrl}/${w.location}/${rel}`, rel };
    }
    return;
  }
  for (const f of dataset.files) {
    const rel = `${dataset.name}/${f.rel}`;
    yield { url: `${baseUrl}/${w.location}/${rel}`, rel };
  }
}

function progressLine(w: Workload, c: CaseResult, run: number, runs: number, r: RunResult): string {
  const cells = [
    `${w.id} j=${c.conns}`.padEnd(8),
    c.tool.id.padEnd(14),
    `run ${run}/${runs}`,
    `${r.wallS.toFixed(2)} s`.padStart(9),
    `${r.throughput.toFixed(1)} ${w.unit}`.padStart(15),
    `cpu ${r.cpuS.toFixed(2)} s`,
    `rss ${(r.peakRssBytes / 1024 ** 2).toFixed(0)} MiB`,
    `srv ${((100 * r.serverCpuS) / r.wallS).toFixed(0)}%`,
    `other ${((100 * r.otherCpuS) / r.wallS).toFixed(0)}%`,
  ];
  if (r.firstRequestMs !== undefined) cells.push(`first req ${r.firstRequestMs} ms`, `served ${r.served}`);
  cells.push(r.ok ? 'ok' : `FAILED: ${r.problem}`);
  return cells.join('  ');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const t0 = Date.now();
  const interrupted = (): void => {
    const group = currentGroup();
    if (group !== undefined) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone
      }
    }
    process.exit(130);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);

  const setupNotes = opts.setup ? runSetup() : ['set-up skipped (--no-setup)'];
  if (opts.waitQuietS > 0)
    setupNotes.push(
      `before each run, waited up to ${opts.waitQuietS} s for other processes to use under 20% of a core`,
    );
  const runs = opts.runs ?? (opts.quick ? 1 : 3);
  // A workload in parts (W9a, W9b) is selected by its number alone too (`--only W9`).
  const selected = workloads(opts.quick).filter(
    (w) => !opts.only || opts.only.some((id) => new RegExp(`^${id}[A-Z]?$`).test(w.id.toUpperCase())),
  );
  const dataDir = join(WORK, 'data');
  const outRoot = opts.outDir;
  const logDir = join(WORK, 'logs');
  cleanDir(join(outRoot, 'out')); // what an interrupted earlier run left
  mkdirSync(logDir, { recursive: true });

  console.log('preparing data');
  const datasets = new Map<string, Dataset>();
  for (const w of selected) datasets.set(w.id, ensureDataset(dataDir, w.dataset, w.files));

  const server = await startServer({
    prefix: join(WORK, 'nginx'),
    dataDir,
    w5File: 'w5/item.bin',
    latencyMs: LATENCY_MS,
    rateBytesPerS: RATE_BYTES_PER_S,
    workers: 2,
  });
  console.log(`nginx ${server.version} on ${server.baseUrl}`);

  const results: WorkloadResult[] = [];
  try {
    for (const w of selected) {
      const dataset = datasets.get(w.id);
      if (!dataset) continue;
      const wStart = Date.now();
      console.log(`\n${w.id}: ${w.title}: ${w.shape}`);
      warmPageCache(dataset);
      const lists =
        w.kind === 'single'
          ? undefined
          : writeLists(join(WORK, 'lists', w.id), listItems(w, dataset, baseUrlOf(w, server)));
      const result: WorkloadResult = {
        workload: w,
        cases: [],
        limit: w.limit,
        limitHow: w.limitHow,
        notes: [],
        runs,
      };
      const conns = opts.conns && w.kind !== 'single' ? opts.conns : w.concurrencies;
      if (w.id === 'W3') {
        const curl = TOOLS.find((t) => t.id === 'curl');
        const haveCurl = curl !== undefined && missingReason(curl) === undefined;
        const measured = await measureThroughputLimit(dataset, server, outRoot, logDir, haveCurl);
        result.limit = () => measured.limitMBps;
        result.limitHow = `${w.limitHow}: ${measured.how}`;
        console.log(`  limit: ${measured.how}`);
      }
      if (w.id === 'W2')
        result.notes.push(
          `Single-connection tools (curl, the Python pool, Node fetch) are not run: at ${RATE_BYTES_PER_S / 1e6} MB/s they need ` +
            `${(dataset.totalBytes / RATE_BYTES_PER_S).toFixed(0)} s whatever they do. wget2 1.99.1's --chunk-size fetched the chunks one after another here (about 11 MB/s), so it is left out too.`,
        );
      if (w.id === 'W4') {
        const ideal = conns.map((n) => `${inOrderIdeal(w.files, n).toFixed(1)} MB/s at ${n}`).join(', ');
        result.notes.push(
          `A tool that takes the files in list order, one connection each, can reach at most ${ideal} ` +
            '(simulated: the largest files come late in the list); `parafetch -x4` may split large files ' +
            'into 4 ranges and so go past that.',
        );
      }
      const tools = w.tools
        .map((id) => TOOLS.find((t) => t.id === id))
        .filter((t) => t !== undefined)
        .filter(
          (t) => !opts.tools || opts.tools.some((want) => t.id === want || t.id.startsWith(`${want} `)),
        );
      for (const n of conns)
        for (const tool of tools)
          result.cases.push({ workload: w, tool, conns: n, skipped: missingReason(tool), runs: [] });
      for (const c of result.cases.filter((x) => x.skipped))
        console.log(`  ${c.tool.id} j=${c.conns}: ${c.skipped}`);

      // Runs are interleaved (run 1 of every case, then run 2...) so drift hits every tool alike.
      const runsHere = opts.runs ?? Math.min(runs, w.maxDefaultRuns ?? runs);
      result.runs = runsHere;
      for (let run = 1; run <= runsHere; run++) {
        for (const c of result.cases) {
          if (c.skipped) continue;
          const r = await runCase({
            workload: w,
            tool: c.tool,
            conns: c.conns,
            dataset,
            server,
            lists,
            outRoot,
            logDir,
            run,
            waitQuietS: opts.waitQuietS,
          });
          c.runs.push(r);
          console.log(`  ${progressLine(w, c, run, runsHere, r)}`);
        }
      }
      console.log(`  ${w.id} took ${((Date.now() - wStart) / 1000).toFixed(0)} s`);
      results.push(result);
      await removeDeferred();
    }
  } finally {
    await server.stop();
    await removeDeferred(0);
  }

  const report = renderReport({
    startedAt: started,
    quick: opts.quick,
    runsPerCase: runs,
    durationS: (Date.now() - t0) / 1000,
    machine: machine(dataDir, join(outRoot, 'out'), server),
    versions: [['nginx', server.version], ...versions()],
    setup: setupNotes,
    results,
  });
  mkdirSync(RESULTS, { recursive: true });
  const stamp = started
    .toISOString()
    .slice(0, 16)
    .replace(/[T:]/g, (ch) => (ch === 'T' ? '-' : ''));
  const file = join(RESULTS, `${stamp}${opts.quick ? '-quick' : ''}.md`);
  writeFileSync(file, `${report}\n`);
  console.log(`\n${report}\nwritten to ${file}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
