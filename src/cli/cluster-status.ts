import { Command, Option } from 'commander';
import { statusReader, type QueueStatus } from '../cluster/status.js';
import { formatBytes, formatDuration } from '../render/format.js';
import { printable } from '../render/printable.js';
import type { ClusterFlags } from './cluster.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './run.js';
import { handleInterrupts } from './signals.js';
import { seconds } from './values.js';

/** What the status command shares with the other cluster commands. */
export interface ClusterCommandParts {
  withOutput(program: Command, io: CliIo): Command;
  clusterOptions(program: Command): Command;
  redisUrl(flags: ClusterFlags): string;
}

/** Items of the run that have a result. */
function itemsDone(s: QueueStatus): number {
  return s.items.ok + s.items.skipped + s.items.failed;
}

/** Whether every enqueued shard is done or failed for good. */
function finished(s: QueueStatus): boolean {
  return s.total.shards > 0 && s.shards.done + s.shards.failed >= s.total.shards;
}

/** One status line; `rate` in items per second when known (`--watch`). Pure. */
export function statusLine(queue: string, s: QueueStatus, rate?: number): string {
  const done = itemsDone(s);
  const left = Math.max(0, s.total.items - done);
  const pace =
    rate === undefined
      ? ''
      : `; ${rate.toFixed(0)} items/s` +
        (rate > 0 && left > 0 ? `, ETA ${formatDuration((left / rate) * 1000)}` : '');
  return (
    `queue ${printable(queue)}: shards ${s.shards.waiting} waiting, ${s.shards.active} active, ` +
    `${s.shards.done} done, ${s.shards.failed} failed of ${s.total.shards}; ` +
    `items ${s.items.ok} ok, ${s.items.skipped} skipped, ${s.items.failed} failed of ${s.total.items}; ` +
    `${formatBytes(s.items.bytes)}; workers ${s.workers}${pace}`
  );
}

/** `status`: where the run stands; `--watch` again every few seconds until it is over or Ctrl-C. */
export async function statusCommand(
  io: CliIo,
  argv: readonly string[],
  parts: ClusterCommandParts,
): Promise<number> {
  const program = parts
    .withOutput(parts.clusterOptions(new Command('parafetch status')), io)
    .option('--json', 'one JSON object on stdout (a line per look with --watch)')
    .addOption(
      new Option('--watch [SEC]', 'look again every SEC seconds (default 2) until the run is over')
        .argParser(seconds)
        .preset(2000),
    );
  program.parse(argv, { from: 'user' });
  const flags = program.opts<ClusterFlags & { json?: boolean; watch?: number }>();
  const reader = statusReader(parts.redisUrl(flags), flags.queue);
  let stopped = false;
  const release = handleInterrupts({ stop: () => (stopped = true), quit: () => io.exit(EXIT.INTERRUPTED) });
  try {
    let before: { at: number; done: number } | undefined;
    for (;;) {
      const s = await reader.read();
      const now = Date.now();
      const rate =
        before && now > before.at ? ((itemsDone(s) - before.done) * 1000) / (now - before.at) : undefined;
      before = { at: now, done: itemsDone(s) };
      if (flags.json) io.stdout.write(`${JSON.stringify(rate === undefined ? s : { ...s, rate })}\n`);
      else {
        io.stdout.write(`${statusLine(flags.queue, s, rate)}\n`);
        for (const [code, n] of Object.entries(s.failuresByCode).sort((a, b) => b[1] - a[1])) {
          io.stdout.write(`  ${code} ×${n}\n`);
        }
        for (const f of s.failedShards)
          io.stdout.write(`  shard ${f.shard} failed: ${printable(f.reason)}\n`);
      }
      if (flags.watch === undefined || stopped || finished(s)) return EXIT.OK;
      await new Promise((r) => setTimeout(r, flags.watch));
      if (stopped) return EXIT.OK;
    }
  } finally {
    release();
    await reader.close();
  }
}
