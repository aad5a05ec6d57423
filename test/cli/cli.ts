import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The command as the package's `bin` installs it: the bundle that `npm run build` writes to dist/cli/. */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd?: string;
  /** Written to the command's stdin, which is then closed (default: stdin closed at once). */
  stdin?: string | Buffer;
  /** Leave stdin open for the test to write to (and end) itself. */
  openStdin?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Node's own options, before the command's file (`--import HOOK`, say). */
  nodeArgs?: readonly string[];
}

/** The environment without proxy variables, so that requests go straight to 127.0.0.1. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^(https?|no|all)_proxy$/i.test(key)) delete env[key];
  return { ...env, ...extra };
}

/** Starts the command like a user would: `node dist/cli/main.js ARGS`. */
export function spawnCli(
  args: readonly string[],
  o: SpawnOptions = {},
): ChildProcess & { output: CliOutput } {
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), CLI, ...args], {
    cwd: o.cwd,
    env: cleanEnv(o.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: CliOutput = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output.stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output.stderr += s));
  child.stdin.on('error', () => {}); // the command may exit before reading it all
  if (!o.openStdin) child.stdin.end(o.stdin);
  // Seen from the start, so that waiting for it later never misses it.
  output.closed = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return Object.assign(child, { output });
}

export interface CliOutput {
  stdout: string;
  stderr: string;
  /** The exit, once the output pipes are drained too (set by spawnCli). */
  closed?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Waits for `child` to exit, at most `ms`; kills it and rejects after that. */
export function exited(child: ChildProcess & { output: CliOutput }, ms = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the command did not exit within ${ms} ms; stderr:\n${child.output.stderr}`));
    }, ms);
    // 'close' comes after the exit and after the output pipes are drained.
    const closed =
      child.output.closed ??
      new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
        child.on('close', (code, signal) => res({ code, signal })),
      );
    void closed.then(({ code, signal }) => {
      clearTimeout(timer);
      const { stdout, stderr } = child.output;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the command to its end (bounded by `ms`). */
export function runCli(args: readonly string[], o: SpawnOptions & { ms?: number } = {}): Promise<CliResult> {
  return exited(spawnCli(args, o), o.ms);
}

/** The JSON objects of a JSON Lines text. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
