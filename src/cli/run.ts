import { CommanderError } from 'commander';
import { Downloader, InvalidOptionError, ParafetchError, type RunSummary } from '../index.js';
import { HumanRenderer } from '../render/human.js';
import { JsonRenderer } from '../render/json.js';
import { PlainRenderer } from '../render/plain.js';
import { printable, printableLines } from '../render/printable.js';
import { reportRoot } from '../render/report.js';
import { allOf, type OutputStream, type Renderer } from '../render/renderer.js';
import { toConfig, UsageError, type CliConfig } from './config.js';
import { dryRun } from './dry-run.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { countItemsFrom, itemsOf } from './items.js';
import { RunOutputs } from './outputs.js';
import { RunInfoFile } from './run-info.js';
import { checkFiles } from './preflight.js';
import { runReportCli } from './report.js';
import { flagsOf } from './aliases.js';
import { createProgram } from './program.js';
import { handleInterrupts } from './signals.js';
import type { runClusterCli } from './cluster.js';

/** The codes of a store's own failure (a disk, a bucket), as opposed to the input's. */
const STORE_FAILURES: ReadonlySet<string> = new Set(['DISK_ERROR', 'STORE_ERROR', 'UNSAFE_PATH']);

/** What the command talks to; the process's own in `main.ts`. */
export interface CliIo {
  /** Arguments after the program name. */
  argv: readonly string[];
  stdin: NodeJS.ReadableStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): never;
}

/** The commands of a run over many machines: a file of their own, loaded only for them (BullMQ, ioredis). */
const CLUSTER_FILE = new URL('./cluster.js', import.meta.url);
const CLUSTER_COMMANDS: ReadonlySet<string> = new Set(['enqueue', 'worker', 'status']);

/** `report FILE --html OUT` draws a file; `report` without FILE is the cluster's. */
async function reportCli(io: CliIo, cluster: () => Promise<number>): Promise<number> {
  try {
    return await runReportCli(io, cluster);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (err instanceof UsageError) return usage(io, err.message);
    throw err;
  }
}

/** Runs the command; resolves with its exit status. */
export async function runCli(io: CliIo): Promise<number> {
  const cluster = async () => {
    const loaded = (await import(CLUSTER_FILE.href)) as { runClusterCli: typeof runClusterCli };
    return loaded.runClusterCli(io);
  };
  if (io.argv[0] === 'report') return reportCli(io, cluster);
  if (CLUSTER_COMMANDS.has(io.argv[0] ?? '')) return cluster();
  const config = parseArgs(io);
  if (typeof config === 'number') return config;
  return config.dryRun ? dryRun(config, io) : run(config, io);
}

/** argv → configuration, or the exit status when the command ends here (help, version, usage error). */
function parseArgs(io: CliIo): CliConfig | number {
  const program = createProgram().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(printableLines(text)),
    outputError: (text, write) => write(`parafetch: ${text}`),
  });
  try {
    program.parse(io.argv, { from: 'user' });
    return toConfig(flagsOf(program), program.args, { stderrIsTTY: io.stderr.isTTY === true });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (err instanceof UsageError) return usage(io, err.message);
    throw err;
  }
}

function usage(io: CliIo, message: string): number {
  io.stderr.write(`parafetch: error: ${printable(message)}\n(run parafetch --help for usage)\n`);
  return EXIT.USAGE;
}

async function createRenderer(config: CliConfig, io: CliIo, dir: string): Promise<Renderer> {
  const options = { stream: io.stderr, dir, quiet: config.quiet };
  // The progress-bar library is loaded only when a bar is shown.
  const human =
    config.progress === 'bar'
      ? new (await import('../render/bar.js')).BarRenderer(options)
      : config.progress === 'plain'
        ? new PlainRenderer(options)
        : new HumanRenderer(options);
  return config.json ? allOf([human, new JsonRenderer(io.stdout, dir)]) : human;
}

async function run(config: CliConfig, io: CliIo): Promise<number> {
  const dir = reportRoot(config.options.dir ?? '.');
  try {
    await checkFiles(
      config.inputs,
      [config.report, config.saveFailed, config.reportHtml].filter((f) => f !== undefined),
    );
  } catch (err) {
    if (err instanceof UsageError) return usage(io, err.message);
    throw err;
  }

  const renderer = await createRenderer(config, io, dir);
  let outputs: RunOutputs;
  try {
    outputs = await RunOutputs.open(
      {
        dir,
        report: config.report,
        saveFailed: config.saveFailed,
        reportHtml: config.reportHtml,
        run: { argv: [...io.argv], options: config.options },
      },
      (message) => renderer.notice(`warning: ${message}`),
    );
  } catch (err) {
    renderer.error((err as Error).message);
    return EXIT.USAGE;
  }

  const controller = new AbortController();
  let inputErrors = 0;
  /** Errors of the command's own files (report, save-failed). */
  let fileErrors = 0;
  let interrupted = false;
  const items = itemsOf(config, {
    stdin: io.stdin,
    signal: controller.signal,
    onProblem: (problem) => {
      if (problem.kind === 'error') inputErrors++;
      renderer.inputProblem(problem);
    },
  });
  let downloader: Downloader;
  try {
    downloader = new Downloader(items, { ...config.options, signal: controller.signal });
  } catch (err) {
    await outputs.close().catch(() => {});
    if (err instanceof InvalidOptionError) return usage(io, err.message);
    throw err;
  }

  renderer.attach(downloader);
  // Beside the report, what a reader needs of the run: written now, so that a killed run leaves one.
  const info =
    config.report === undefined ? undefined : new RunInfoFile(config.report, io.argv, downloader.options);
  const infoFailed = (err: unknown) => {
    fileErrors++;
    renderer.error((err as Error).message);
  };
  await info?.start().catch(infoFailed);
  // The number of items, counted beside the reading so that a progress display knows it early.
  const counting = new AbortController();
  if (config.progress !== 'none' && config.inputs.length > 0) {
    void countItemsFrom({
      urls: config.urls,
      inputs: config.inputs,
      format: config.inputFormat,
      signal: AbortSignal.any([controller.signal, counting.signal]),
    }).then((n) => {
      if (n !== undefined) downloader.expectItems(n);
    });
  }
  const releaseSignals = handleInterrupts({
    stop: () => {
      interrupted = true;
      renderer.notice('interrupted: stopping; press Ctrl-C again to quit at once');
      controller.abort();
    },
    quit: () => {
      renderer.abandon();
      io.exit(EXIT.INTERRUPTED);
    },
  });

  // The engine reports its summary before it throws an input error.
  let ended: RunSummary | undefined;
  downloader.once('end', (s: RunSummary) => (ended = s));
  try {
    let writing = true;
    try {
      for await (const result of downloader) {
        if (!writing) continue;
        try {
          await outputs.add(result);
        } catch (err) {
          writing = false;
          fileErrors++;
          renderer.error((err as Error).message);
          controller.abort();
        }
      }
    } catch {
      // The results end with the run's error, after the last result: run() rejects with it below.
    }
    let summary: RunSummary;
    let storeFailures = 0;
    try {
      summary = await downloader.run();
    } catch (err) {
      if (!ended) throw err;
      // The store failed as the run ended (its last shard could not be written): a failure of
      // the output, not of the input.
      if (err instanceof ParafetchError && STORE_FAILURES.has(err.code)) storeFailures++;
      else inputErrors++;
      renderer.error((err as Error).message);
      summary = ended;
    }
    try {
      await outputs.close(summary);
    } catch (err) {
      // A write that failed during the run was reported then; closing only repeats it.
      if (writing) {
        fileErrors++;
        renderer.error((err as Error).message);
      }
    }
    await info?.end(summary).catch(infoFailed);
    renderer.finish({ summary, inputErrors, interrupted });
    return exitCodeOf({
      interrupted,
      usageErrors: inputErrors + fileErrors,
      failed: summary.failed + storeFailures,
    });
  } catch (err) {
    renderer.abandon(); // a bug surfaces with the terminal restored
    throw err;
  } finally {
    counting.abort();
    releaseSignals();
  }
}
