// The contenders and how each is invoked. Every tool runs with its cwd set to the (empty) output
// directory, so relative paths in the lists land there. Flags are each tool's documented way to
// do the job with no progress output; tuning beyond that is listed in bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListFiles } from './data.js';
import type { Invocation } from './measure.js';
import { findBinary, ROOT } from './paths.js';

/** The command as the package's `bin` runs it: the bundle `npm run build` writes. */
export const PARAFETCH_CLI = join(ROOT, 'dist/cli/main.js');
const POOL_SCRIPT = join(ROOT, 'bench/peers/pool.py');
const FETCH_SCRIPT = join(ROOT, 'bench/peers/fetch.mjs');

/** Download a list of files with `conns` connections. */
export interface ListJob {
  conns: number;
  outDir: string;
  lists: ListFiles;
}

/** Download one file (into outDir/name) with `conns` connections. */
export interface SingleJob {
  conns: number;
  url: string;
  outDir: string;
  name: string;
}

export interface Tool {
  /** Shown in the tables. */
  id: string;
  isParafetch: boolean;
  /** Binaries on PATH (or absolute files) it needs. */
  needs: string[];
  /** What the report says when a need is missing. */
  whenMissing: string;
  list?: (job: ListJob) => Invocation;
  single?: (job: SingleJob) => Invocation;
  /** Writes WebDataset shards rather than one file per item (checked by reading the shards). */
  shards?: boolean;
  /** A parafetch run the other parafetch rows of its workload are compared with, as with a peer. */
  baseline?: boolean;
}

const ARIA2_COMMON = [
  '--no-conf',
  '--console-log-level=warn',
  '--summary-interval=0',
  '--show-console-readout=false',
  '--download-result=hide',
  '--file-allocation=none',
  '--allow-overwrite=true',
  '--auto-file-renaming=false',
];

const node = process.execPath;

/** parafetch's CLI with `extra` flags (its defaults otherwise, like every other tool). */
function parafetch(id: string, extra: string[]): Tool {
  return {
    id,
    isParafetch: true,
    needs: [PARAFETCH_CLI],
    whenMissing: 'parafetch: not built',
    // Run as a user runs it: the file itself, so its start line's Node flags apply.
    list: ({ conns, outDir, lists }) => ({
      cmd: PARAFETCH_CLI,
      args: [
        '-i',
        lists.plain,
        '-d',
        outDir,
        '-j',
        `${conns}`,
        '--per-host',
        `${conns}`,
        ...extra,
        '--progress',
        'none',
      ],
      cwd: outDir,
    }),
    single: ({ conns, url, outDir, name }) => ({
      cmd: PARAFETCH_CLI,
      args: ['-x', `${conns}`, '-k', '1M', '-d', outDir, '-o', name, url, ...extra, '--progress', 'none'],
      cwd: outDir,
    }),
  };
}

/**
 * parafetch over `n` worker processes on this machine, as over `n` machines: a Redis of its own
 * (on a socket, no persistence), `enqueue` of the list, then `n` workers of `-j conns` each until
 * the queue is empty. All of it is timed, Redis's start included.
 */
function cluster(n: number): Tool {
  const script = [
    'set -e',
    'd=$(mktemp -d); s="$d/r.sock"',
    'redis-server --port 0 --unixsocket "$s" --save "" --appendonly no >/dev/null & r=$!',
    'while [ ! -S "$s" ]; do sleep 0.01; done',
    'node "$1" enqueue -i "$2" -d "$3" --per-host 65536 --redis "unix://$s" -q',
    'p=""; for i in $(seq "$5"); do node "$1" worker --redis "unix://$s" -j "$4" --exit-when-empty -q & p="$p $!"; done',
    'for x in $p; do wait "$x"; done',
    'kill "$r"; wait "$r" 2>/dev/null || true; rm -rf "$d"',
  ].join('\n');
  return {
    id: `parafetch cluster-${n}`,
    isParafetch: true,
    needs: [PARAFETCH_CLI, 'redis-server'],
    whenMissing: 'parafetch: not built, or no redis-server (bench/setup.sh installs it)',
    list: ({ conns, outDir, lists }) => ({
      cmd: '/bin/sh',
      args: ['-c', script, 'sh', PARAFETCH_CLI, lists.plain, outDir, `${conns}`, `${n}`],
      cwd: outDir,
    }),
  };
}

export const TOOLS: Tool[] = [
  cluster(1),
  cluster(2),
  cluster(4),
  parafetch('parafetch', []),
  parafetch('parafetch -x4', ['-x', '4']),
  // The peers compute no checksum; parafetch hashes every file by default (SHA-256 in results).
  parafetch('parafetch --no-hash', ['--no-hash']),
  // The same run on a set number of worker threads (the default is one per available core).
  parafetch('parafetch-w1', ['--workers', '1']),
  parafetch('parafetch-w2', ['--workers', '2']),
  // Over TLS (W9): HTTP/1.1, the baseline, and HTTP/2 when the server offers it. The bench's
  // certificate is self-signed and both take it alike (--insecure): only the handshakes differ.
  { ...parafetch('parafetch HTTP/1.1', ['--insecure']), baseline: true },
  parafetch('parafetch --http2', ['--insecure', '--http2']),
  // The same list into tar shards of 10,000 items with a parquet index each: no file per item.
  { ...parafetch('parafetch shards', ['--output-format', 'webdataset']), shards: true },
  {
    id: 'python pool',
    isParafetch: false,
    needs: ['python3'],
    whenMissing: 'python3 not installed',
    list: ({ conns, outDir, lists }) => ({
      cmd: 'python3',
      args: [POOL_SCRIPT, `${conns}`, lists.plain],
      cwd: outDir,
    }),
  },
  {
    id: 'aria2c',
    isParafetch: false,
    needs: ['aria2c'],
    whenMissing: 'aria2c not installed (apt: aria2)',
    list: ({ conns, outDir, lists }) => ({
      cmd: 'aria2c',
      args: ['-i', lists.aria2, '--deferred-input=true', '-j', `${conns}`, '-d', outDir, ...ARIA2_COMMON],
      cwd: outDir,
    }),
    single: ({ conns, url, outDir, name }) => ({
      cmd: 'aria2c',
      args: [`-x${conns}`, `-s${conns}`, '-k1M', '-d', outDir, '-o', name, ...ARIA2_COMMON, url],
      cwd: outDir,
    }),
  },
  {
    id: 'curl',
    isParafetch: false,
    needs: ['curl'],
    whenMissing: 'curl not installed (apt: curl)',
    list: ({ conns, outDir, lists }) => ({
      cmd: 'curl',
      args: ['--parallel', '--parallel-max', `${conns}`, '-K', lists.curl, '--create-dirs', '-s', '-S', '-f'],
      cwd: outDir,
    }),
  },
  {
    id: 'wget2',
    isParafetch: false,
    needs: ['wget2'],
    whenMissing: 'wget2 not installed (apt: wget2)',
    list: ({ conns, outDir, lists }) => ({
      cmd: 'wget2',
      args: ['--max-threads', `${conns}`, '-i', lists.urls, '-x', '-nH', '--cut-dirs=1', '-q', '--no-hsts'],
      cwd: outDir,
    }),
  },
  {
    id: 'node fetch',
    isParafetch: false,
    needs: [node],
    whenMissing: 'node missing',
    list: ({ conns, outDir, lists }) => ({
      cmd: node,
      args: [FETCH_SCRIPT, `${conns}`, lists.plain],
      cwd: outDir,
    }),
  },
  {
    id: 'axel',
    isParafetch: false,
    needs: ['axel'],
    whenMissing: 'axel not installed (apt: axel)',
    single: ({ conns, url, outDir, name }) => ({
      cmd: 'axel',
      args: ['-n', `${conns}`, '-q', '-o', join(outDir, name), url],
      cwd: outDir,
    }),
  },
];

function onPath(bin: string): boolean {
  return findBinary(bin) !== undefined;
}

/** Undefined when the tool can run, else why it cannot. */
export function missingReason(tool: Tool): string | undefined {
  return tool.needs.every(onPath) ? undefined : tool.whenMissing;
}

function firstLine(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

/** Versions of everything that takes part, for the report header. */
export function versions(): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const add = (name: string, bin: string, args: string[], pick: (line: string) => string): void => {
    rows.push([name, onPath(bin) ? pick(firstLine(bin, args)) : 'missing']);
  };
  add('aria2c', 'aria2c', ['--version'], (l) => l.replace(/^aria2 version /, ''));
  add('curl', 'curl', ['--version'], (l) => l.split(' ')[1] ?? l);
  add('wget2', 'wget2', ['--version'], (l) => l.replace(/^GNU Wget2 (\S+).*/, '$1'));
  add('axel', 'axel', ['--version'], (l) => l.replace(/^Axel (\S+).*/, '$1'));
  add('python3', 'python3', ['--version'], (l) => l.replace(/^Python /, ''));
  rows.push(['node', process.version]);
  let parafetch = 'not built';
  if (existsSync(PARAFETCH_CLI)) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: string };
    const head = firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
    parafetch = `${pkg.version ?? '?'}${/^[0-9a-f]+$/.test(head) ? ` (git ${head})` : ''}`;
  }
  rows.push(['parafetch', parafetch]);
  return rows;
}
