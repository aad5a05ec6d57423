/** The exit statuses of the command, as `--help` and the README document them. */
export const EXIT = {
  /** Every item downloaded or already there (skipped). */
  OK: 0,
  /** Some items failed. */
  FAILED: 1,
  /** A bad option, an unreadable input, a malformed input line. Wins over FAILED. */
  USAGE: 2,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM. Wins over everything. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit status of a run: interrupted, else usage or input errors, else failures. Pure. */
export function exitCodeOf(run: { interrupted: boolean; usageErrors: number; failed: number }): ExitCode {
  if (run.interrupted) return EXIT.INTERRUPTED;
  if (run.usageErrors > 0) return EXIT.USAGE;
  return run.failed > 0 ? EXIT.FAILED : EXIT.OK;
}
