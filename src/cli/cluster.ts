import { flagsOf } from './aliases.js';
import { Command, CommanderError, Option } from 'commander';
import { enqueue, ENQUEUE_DEFAULTS } from '../cluster/enqueue.js';
import { queueReport, queueRunOptions } from '../cluster/status.js';
import { VERSION } from '../engine/options.js';
import { recordOptionsView, ReportTotals } from './report-totals.js';
import { redactArgv, runInfoPath, writeRunInfo } from './run-info.js';
import { statusCommand } from './cluster-status.js';
import { LineFile } from './line-file.js';
import { runWorker } from '../cluster/worker.js';
import { InvalidOptionError } from '../errors/index.js';
import { printable, printableLines } from '../render/printable.js';
import { RunAggregator, writePage, type ReportLine } from '../render/html/index.js';
import { toConfig, UsageError } from './config.js';
import { EXIT } from './exit-codes.js';
import { itemsOf } from './items.js';
import { createProgram, type ParsedFlags } from './program.js';
import type { CliIo } from './run.js';
import { handleInterrupts } from './signals.js';
import { integer, seconds } from './values.js';

const REDIS_HELP =
  'the Redis server: redis://HOST[:PORT][/DB], rediss://…, unix:///PATH (default: REDIS_URL)';

export interface ClusterFlags {
  redis?: string;
  queue: string;
}

/** Runs `parafetch enqueue|worker|status …`; resolves with the exit status. */
export async function runClusterCli(io: CliIo): Promise<number> {
  const [command, ...rest] = io.argv;
  try {
    switch (command) {
      case 'enqueue':
        return await enqueueCommand(io, rest);
      case 'worker':
        return await workerCommand(io, rest);
      case 'report':
        return await reportCommand(io, rest);
      default:
        return await statusCommand(io, rest, { withOutput, clusterOptions, redisUrl });
    }
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (err instanceof UsageError || err instanceof InvalidOptionError) return usage(io, err.message);
    throw err;
  }
}

function usage(io: CliIo, message: string): number {
  io.stderr.write(`parafetch: error: ${printable(message)}\n(run parafetch --help for usage)\n`);
  return EXIT.USAGE;
}

export function withOutput(program: Command, io: CliIo): Command {
  return program.exitOverride().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(printableLines(text)),
    outputError: (text, write) => write(`parafetch: ${text}`),
  });
}

export function clusterOptions(program: Command): Command {
  return program
    .option('--redis <URL>', REDIS_HELP)
    .addOption(new Option('--queue <NAME>', 'the queue of the run').default(ENQUEUE_DEFAULTS.queue));
}

export function redisUrl(flags: ClusterFlags): string {
  const url = flags.redis ?? process.env.REDIS_URL;
  if (!url) throw new UsageError('no Redis server: give --redis URL or set REDIS_URL');
  return url;
}

/** `enqueue`: the main command's inputs and download options, into the queue. */
async function enqueueCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  const program = withOutput(clusterOptions(createProgram().name('parafetch enqueue')), io);
  program.parse(argv, { from: 'user' });
  const flags = { ...program.opts<ClusterFlags>(), ...flagsOf(program) } as ParsedFlags & ClusterFlags;
  const config = toConfig(flags, program.args, { stderrIsTTY: false });
  if (flags.saveCookies !== undefined) {
    throw new UsageError('--save-cookies saves the cookies of one run; each job of a queue keeps its own');
  }
  // --shard-items is the size of a job here (a shard of the queue), 1,000 unless given; with
  // WebDataset output a job is one shard, of the output's size.
  const shardItems =
    program.getOptionValueSource('shardItems') === 'default' && flags.outputFormat !== 'webdataset'
      ? ENQUEUE_DEFAULTS.shardItems
      : flags.shardItems;
  let inputErrors = 0;
  const items = itemsOf(config, {
    stdin: io.stdin,
    signal: new AbortController().signal,
    onProblem: (problem) => {
      if (problem.kind === 'error') inputErrors++;
      io.stderr.write(`${printable(problem.message)}\n`);
    },
  });
  const started = Date.now();
  const s = await enqueue(items, {
    redis: redisUrl(flags),
    queue: flags.queue,
    shardItems,
    run: config.options,
  });
  io.stderr.write(
    `Enqueued ${s.items.toLocaleString('en-US')} items in ${s.shards} shards to queue ${printable(flags.queue)} ` +
      `(${s.added} new) in ${((Date.now() - started) / 1000).toFixed(1)}s; ` +
      `Redis uses ${(s.redisMemory / 2 ** 20).toFixed(1)} MiB\n`,
  );
  return inputErrors > 0 ? EXIT.USAGE : EXIT.OK;
}

/** `worker`: takes shards until stopped (SIGTERM: the shard in hand is finished first). */
async function workerCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  const program = withOutput(clusterOptions(new Command('parafetch worker')), io)
    .addOption(new Option('-j, --concurrency <N>', 'files downloading at once').argParser(integer(1, 65_536)))
    .addOption(new Option('--workers <N>', 'event loops making transfers').argParser(integer(1, 256)))
    .option('--exit-when-empty', 'stop once no shard is left in the queue')
    .addOption(
      new Option(
        '--lease <SEC>',
        "how long a worker's hold on its shard lasts unless renewed; a dead worker's shard goes to another after it",
      )
        .argParser(seconds)
        .default(30_000, '30'),
    )
    .option('-q, --quiet', 'print nothing but errors');
  program.parse(argv, { from: 'user' });
  const flags = program.opts<
    ClusterFlags & {
      concurrency?: number;
      workers?: number;
      exitWhenEmpty?: boolean;
      quiet?: boolean;
      lease: number;
    }
  >();
  const controller = new AbortController();
  let interrupted = false;
  const release = handleInterrupts({
    stop: () => {
      interrupted = true;
      if (!flags.quiet) io.stderr.write('stopping: the shard in hand is finished first\n');
      controller.abort();
    },
    quit: () => io.exit(EXIT.INTERRUPTED),
  });
  try {
    const s = await runWorker({
      redis: redisUrl(flags),
      queue: flags.queue,
      ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      exitWhenEmpty: flags.exitWhenEmpty === true,
      leaseMs: flags.lease,
      signal: controller.signal,
      onStart: ({ leased }) => {
        if (leased && (flags.workers ?? 1) > 1 && !flags.quiet) {
          io.stderr.write(
            `parafetch: --workers ${flags.workers} runs as 1: the run's per-host limit is held across machines ` +
              'by a lease per request, taken on one event loop; start more worker processes to use more cores\n',
          );
        }
      },
    });
    if (!flags.quiet) {
      io.stderr.write(
        `Worker done: ${s.shards} shards, ${s.ok} ok, ${s.skipped} skipped, ${s.failed} failed` +
          `${interrupted ? ' (stopped)' : ''}\n`,
      );
    }
    return EXIT.OK;
  } finally {
    release();
  }
}

/**
 * `report`: every finished shard's items as one JSON Lines report, in input order; with `--html`,
 * also (or only) the run page, with a line per worker.
 */
async function reportCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  const program = withOutput(clusterOptions(new Command('parafetch report')), io)
    .option('-o, --output <FILE>', 'write the report to FILE (default: stdout, unless --html is given)')
    .option('--html <OUT>', 'write the run page to OUT');
  program.parse(argv, { from: 'user' });
  const flags = program.opts<ClusterFlags & { output?: string; html?: string }>();
  const url = redisUrl(flags);
  const out = flags.output === undefined ? undefined : await LineFile.open(flags.output);
  const page = flags.html === undefined ? undefined : new RunAggregator();
  let lines = 0;
  const totals = new ReportTotals();
  try {
    for await (const line of queueReport(url, flags.queue)) {
      if (out) await out.write(`${line}\n`);
      else if (!page) io.stdout.write(`${line}\n`);
      totals.add(line);
      page?.add(JSON.parse(line) as ReportLine);
      lines++;
    }
  } finally {
    await out?.close();
  }
  const options = flags.output !== undefined || page ? await queueRunOptions(url, flags.queue) : undefined;
  if (flags.output !== undefined) {
    // Beside the report, the run it tells of: its options as enqueued, its span from its items.
    await writeRunInfo(runInfoPath(flags.output), {
      version: VERSION,
      startedAt: totals.startedAt,
      endedAt: totals.endedAt,
      argv: redactArgv(['report', ...argv]),
      options: options ? recordOptionsView(options) : {},
      summary: totals.summary(),
    });
  }
  if (page && flags.html !== undefined) {
    await writePage(page, { argv: ['report', ...argv], ...(options ? { options } : {}) }, flags.html);
    io.stderr.write(`Wrote ${printable(flags.html)}\n`);
  }
  io.stderr.write(`${lines.toLocaleString('en-US')} items in the report\n`);
  return EXIT.OK;
}
