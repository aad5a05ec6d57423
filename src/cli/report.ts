import { Command, Option } from 'commander';
import { access } from 'node:fs/promises';
import { printable, printableLines } from '../render/printable.js';
import { readReport, readRunInfo, runFileOf, writeRunPage } from '../render/html/index.js';
import { UsageError } from './config.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './run.js';

/**
 * `parafetch report FILE --html OUT`: the run page of a report file, with no Redis. Without FILE,
 * `report` is the cluster's (the merged report of a queue), which `cluster` runs.
 */
export async function runReportCli(io: CliIo, cluster: () => Promise<number>): Promise<number> {
  const program = new Command('parafetch report')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(printableLines(text)),
      outputError: (text, write) => write(`parafetch: ${text}`),
    })
    .description(
      'report FILE --html OUT: draw the run of a --report file (JSON Lines, gzipped or not) as one HTML page;\n' +
        'report --redis URL [--queue NAME] [-o FILE] [--html OUT]: the report of a queue of many machines',
    )
    .argument('[FILE]', 'a report written by --report (its REPORT.run.json beside it, if any, is read too)')
    .option('--html <OUT>', 'write the run page to OUT')
    // The cluster's own options, parsed again there.
    .addOption(new Option('--redis <URL>').hideHelp())
    .addOption(new Option('--queue <NAME>').hideHelp())
    .addOption(new Option('-o, --output <FILE>').hideHelp());
  program.parse(io.argv.slice(1), { from: 'user' });
  const file = program.args[0];
  if (file === undefined) return cluster();
  const flags = program.opts<{ html?: string; redis?: string; output?: string }>();
  if (flags.redis !== undefined || flags.output !== undefined) {
    throw new UsageError('report FILE draws a report file: --redis and -o belong to report without FILE');
  }
  if (flags.html === undefined) throw new UsageError('report FILE needs --html OUT: the page to write');
  try {
    await access(file);
  } catch {
    throw new UsageError(`cannot read report ${file}`);
  }
  let bad = 0;
  const run = await readRunInfo(runFileOf(file));
  await writeRunPage(
    readReport(file, () => bad++),
    run,
    flags.html,
  );
  if (bad > 0)
    io.stderr.write(`parafetch: ${bad} lines of ${printable(file)} are not JSON objects: skipped\n`);
  io.stderr.write(`Wrote ${printable(flags.html)}\n`);
  return EXIT.OK;
}
