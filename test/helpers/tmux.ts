import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../cli/cli.js';
import { tempDir } from './fs.js';

const run = promisify(execFile);

/** The environment of tmux and of what runs in it: UTF-8, no proxy variables. */
function tmuxEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
  for (const key of Object.keys(env)) if (/^(https?|no|all)_proxy$/i.test(key)) delete env[key];
  delete env.TMUX;
  return env;
}

/** Throws, saying how to get it, when tmux is missing: the live display is tested on a real terminal. */
export function requireTmux(): void {
  const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (tmux.error || tmux.status !== 0) {
    throw new Error(
      'these tests run the command on a terminal made by tmux, which is missing: apt-get install tmux',
    );
  }
}

/** A shell word that stands for `s` as it is. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command on a terminal of its own: a tmux server started for it alone, on a socket in a temp folder. */
export interface Terminal {
  /** What the terminal shows now, one string per row (trailing blanks cut). */
  screen(): Promise<string[]>;
  /** Every row written so far: the scrollback, then the screen. */
  history(): Promise<string[]>;
  /** The command's exit status once it has exited, else undefined. */
  exitStatus(): Promise<number | undefined>;
  /**
   * Polls the screen every 50 ms until `check` returns something other than undefined, at most
   * `ms`; resolves with it. Rejects, showing the last screen, when time is up.
   */
  waitFor<T>(check: (rows: string[]) => T | undefined, ms?: number): Promise<T>;
  /** Waits for the command to exit (at most `ms`); resolves with its status. */
  exited(ms?: number): Promise<number>;
  /** Sends keys as tmux names them (`C-c`). */
  keys(...keys: string[]): Promise<void>;
  /** Ends the tmux server and removes its folder. */
  close(): Promise<void>;
}

export interface TerminalOptions {
  columns: number;
  rows: number;
  /** The command's arguments (it runs as `node dist/cli/main.js ARGS`). */
  args: readonly string[];
  cwd?: string;
}

/**
 * Starts the built command on a terminal `columns` × `rows` made by a tmux server of its own
 * (`-S` socket in a temp folder, no status line, the pane kept after the command exits so its
 * last screen can be read); a shell runs it and records its exit status.
 */
export async function startTerminal(o: TerminalOptions): Promise<Terminal> {
  requireTmux();
  const dir = await tempDir('parafetch-tmux-');
  const socket = path.join(dir, 's');
  const conf = path.join(dir, 'tmux.conf');
  await fs.writeFile(conf, 'set -g remain-on-exit on\nset -g history-limit 20000\nset -g status off\n');
  const script = path.join(dir, 'run.sh');
  const command = [process.execPath, CLI, ...o.args].map(quote).join(' ');
  const status = path.join(dir, 'status');
  // The exit status, written by the shell (tmux's own #{pane_dead_status} is not always set).
  await fs.writeFile(
    script,
    `cd ${quote(o.cwd ?? dir)}\n${command}\necho $? > ${quote(`${status}.new`)}\nmv ${quote(`${status}.new`)} ${quote(status)}\n`,
  );
  const env = tmuxEnv();
  const tmux = async (...args: string[]) =>
    (await run('tmux', ['-u', '-S', socket, ...args], { env, maxBuffer: 64 * 1024 * 1024 })).stdout;
  await tmux(
    '-f',
    conf,
    'new-session',
    '-d',
    '-x',
    String(o.columns),
    '-y',
    String(o.rows),
    '-s',
    'run',
    `sh ${quote(script)}`,
  );
  const rowsOf = (text: string) =>
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((r) => r.trimEnd());
  const terminal: Terminal = {
    screen: async () => rowsOf(await tmux('capture-pane', '-p', '-t', 'run')),
    history: async () => rowsOf(await tmux('capture-pane', '-p', '-t', 'run', '-S', '-', '-E', '-')),
    exitStatus: async () => {
      const text = await fs.readFile(status, 'utf8').catch(() => undefined);
      return text === undefined ? undefined : Number(text.trim());
    },
    waitFor: async <T>(check: (rows: string[]) => T | undefined, ms = 30_000): Promise<T> => {
      const until = Date.now() + ms;
      for (;;) {
        const rows = await terminal.screen();
        const found = check(rows);
        if (found !== undefined) return found;
        if (Date.now() > until) throw new Error(`not seen within ${ms} ms; the screen:\n${rows.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited: async (ms = 60_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const status = await terminal.exitStatus();
        if (status !== undefined) return status;
        if (Date.now() > until) {
          throw new Error(
            `the command did not exit within ${ms} ms; the screen:\n${(await terminal.screen()).join('\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    keys: async (...keys) => void (await tmux('send-keys', '-t', 'run', ...keys)),
    close: async () => {
      await tmux('kill-server').catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  return terminal;
}
