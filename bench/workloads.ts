// The workloads, at full size and scaled down for --quick.
import { seededRandom, type FileSpec } from './data.js';

export const LATENCY_MS = 20;
/** nginx limit_rate: 10 MB/s (decimal megabytes, as every MB/s in the report). */
export const RATE_BYTES_PER_S = 10_000_000;
export const W5_ITEM_BYTES = 1024;

export type Location = 'lat' | 'slow' | 'fast' | 'w5';

export interface Workload {
  id: string;
  title: string;
  /** Sizes and server behaviour, in words. */
  shape: string;
  /** list: all files from a list; single: one file, segmented; stopped: run for a fixed window, then killed. */
  kind: 'list' | 'single' | 'stopped';
  location: Location;
  /** Served over TLS (HTTP/2 or HTTP/1.1 by ALPN) rather than plain HTTP/1.1. */
  tls?: boolean;
  /** Name of the dataset directory (unique per size). Unused for W5, whose URLs all map to one file. */
  dataset: string;
  files: FileSpec[];
  /** For W5: how many lines its list has. */
  listLines?: number;
  concurrencies: number[];
  /** Tool ids, in table order. */
  tools: string[];
  unit: 'files/s' | 'MB/s';
  timeoutS: number;
  stopAfterS?: number;
  /** Fewer runs than the default, unless --runs says otherwise (keeps a full run near 20 minutes). */
  maxDefaultRuns?: number;
  /** The physical limit in `unit` for `conns` connections, if it follows from the workload's shape. */
  limit?: (conns: number) => number;
  limitHow: string;
}

const LIST_TOOLS = ['python pool', 'aria2c', 'curl', 'wget2', 'node fetch', 'parafetch'];
/** parafetch on 1 and on 2 worker threads, where the CPU sets the pace. */
const WORKER_TOOLS = ['parafetch-w1', 'parafetch-w2'];
/** parafetch over TLS, HTTP/1.1 (the baseline) and HTTP/2 (W9). */
const HTTP2_TOOLS = ['parafetch HTTP/1.1', 'parafetch --http2'];
const KiB = 1024;
const MiB = 1024 * 1024;

function sameSize(count: number, size: number, perDir?: number): FileSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    rel: perDir ? `d${Math.floor(i / perDir)}/f${i}.bin` : `f${i}.bin`,
    size,
  }));
}

/** Sizes log-uniform in [min, max], from a fixed seed. */
function logUniform(count: number, min: number, max: number): FileSpec[] {
  const random = seededRandom(4);
  return Array.from({ length: count }, (_, i) => ({
    rel: `d${i % 10}/f${i}.bin`,
    size: Math.round(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)))),
  }));
}

function humanCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The best a tool can do that takes files in list order, one connection each, never splitting:
 * each file goes to the first free connection and takes size / cap.
 */
export function inOrderIdeal(files: readonly FileSpec[], conns: number): number {
  const freeAt = new Array<number>(conns).fill(0);
  for (const file of files) {
    const slot = freeAt.indexOf(Math.min(...freeAt));
    freeAt[slot] = (freeAt[slot] ?? 0) + file.size / RATE_BYTES_PER_S;
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return total / 1e6 / Math.max(...freeAt);
}

/** Files of 16 KiB behind the latency location: W1, and W6 with a longer list. */
function smallFiles(id: string, title: string, count: number, timeoutS: number): Workload {
  return {
    id,
    title,
    shape: `${humanCount(count)} files of 16 KiB, ${LATENCY_MS} ms to first byte per request`,
    kind: 'list',
    location: 'lat',
    dataset: `w1-${count}x16k`,
    files: sameSize(count, 16 * KiB, 100),
    concurrencies: [8, 32],
    tools: [...LIST_TOOLS, ...WORKER_TOOLS],
    unit: 'files/s',
    timeoutS,
    limit: (conns) => Math.min(conns, count) / (LATENCY_MS / 1000),
    limitHow: `connections / ${LATENCY_MS} ms`,
  };
}

export function workloads(quick: boolean): Workload[] {
  const w1Count = quick ? 400 : 2000;
  const w6Count = quick ? 4000 : 20_000;
  const w2Size = quick ? 256 * MiB : 1024 * MiB;
  const w3 = quick ? { count: 16, size: 16 * MiB } : { count: 16, size: 128 * MiB };
  const w4 = quick ? { count: 40, max: 8 * MiB } : { count: 200, max: 64 * MiB };
  const w4Files = logUniform(w4.count, KiB, w4.max);
  const w4Total = w4Files.reduce((sum, f) => sum + f.size, 0);
  const w5Lines = quick ? 100_000 : 1_000_000;
  const w5Window = quick ? 3 : 6;
  const w9 = quick ? { count: 4, size: 32 * MiB } : { count: 4, size: 128 * MiB };
  const rateMB = RATE_BYTES_PER_S / 1e6;

  return [
    smallFiles('W1', 'many small files', w1Count, quick ? 60 : 180),
    {
      id: 'W2',
      title: 'one large file',
      shape: `1 file of ${w2Size / MiB} MiB, ${rateMB} MB/s per connection`,
      kind: 'single',
      location: 'slow',
      dataset: `w2-${w2Size / MiB}m`,
      files: [{ rel: 'big.bin', size: w2Size }],
      concurrencies: [16],
      tools: ['aria2c', 'axel', 'parafetch', 'parafetch --no-hash'],
      unit: 'MB/s',
      timeoutS: quick ? 60 : 150,
      limit: (conns) => conns * rateMB,
      limitHow: `connections x ${rateMB} MB/s`,
    },
    {
      id: 'W3',
      title: 'raw throughput',
      shape: `${w3.count} files of ${w3.size / MiB} MiB, no throttle`,
      kind: 'list',
      location: 'fast',
      dataset: `w3-${w3.count}x${w3.size / MiB}m`,
      files: sameSize(w3.count, w3.size),
      concurrencies: [8, 32],
      tools: [...LIST_TOOLS, 'parafetch --no-hash', ...WORKER_TOOLS],
      unit: 'MB/s',
      timeoutS: quick ? 60 : 150,
      limitHow: 'measured: the slower of loopback (curl to /dev/null) and disk (cp of the same files)',
    },
    {
      id: 'W4',
      title: 'mixed sizes',
      shape: `${w4.count} files, log-uniform 1 KiB-${w4.max / MiB} MiB (${(w4Total / MiB).toFixed(0)} MiB in all), ${rateMB} MB/s per connection`,
      kind: 'list',
      location: 'slow',
      dataset: `w4-${w4.count}-1k-${w4.max / MiB}m`,
      files: w4Files,
      concurrencies: [8, 32],
      tools: [...LIST_TOOLS, 'parafetch -x4', ...WORKER_TOOLS],
      maxDefaultRuns: 2,
      unit: 'MB/s',
      timeoutS: quick ? 90 : 240,
      // Splitting files (-x) can use every connection all the time, so the floor is the pipe.
      limit: (conns) => conns * rateMB,
      limitHow: `connections x ${rateMB} MB/s`,
    },
    {
      id: 'W5',
      title: 'a huge list',
      shape: `${humanCount(w5Lines)}-line list against a fast server (1 KiB each), stopped after ${w5Window} s`,
      kind: 'stopped',
      location: 'w5',
      dataset: 'w5',
      files: [{ rel: 'item.bin', size: W5_ITEM_BYTES }],
      listLines: w5Lines,
      concurrencies: [8, 32],
      tools: LIST_TOOLS,
      unit: 'files/s',
      timeoutS: w5Window + 30,
      stopAfterS: w5Window,
      maxDefaultRuns: 2,
      limitHow: 'none: the figures are memory and start-up time',
    },
    // At 8 connections the limit alone is 20,000 x 21 ms / 8, about 53 s.
    { ...smallFiles('W6', 'W1 with a long list', w6Count, quick ? 90 : 300), maxDefaultRuns: 1 },
    {
      // Without the 20 ms wait, creating 20,000 files is the pace: loose files against shards.
      id: 'W7',
      title: 'loose files or shards',
      shape: `${humanCount(w6Count)} files of 16 KiB, no added latency, on disk`,
      kind: 'list',
      location: 'fast',
      dataset: `w1-${w6Count}x16k`,
      files: sameSize(w6Count, 16 * KiB, 100),
      concurrencies: [32],
      tools: ['wget2', 'parafetch', 'parafetch shards'],
      unit: 'files/s',
      timeoutS: quick ? 90 : 300,
      maxDefaultRuns: 3,
      limitHow: 'none: the server answers at once; the pace is the client and the disk',
    },
    {
      // The same list over 1, 2 and 4 worker processes of -j 8 each (a queue in Redis).
      ...smallFiles('W8', 'W6 over worker processes', w6Count, quick ? 90 : 300),
      concurrencies: [8],
      tools: ['parafetch', 'parafetch cluster-1', 'parafetch cluster-2', 'parafetch cluster-4'],
      maxDefaultRuns: 1,
      limit: undefined,
      limitHow: 'each process: 8 connections / 20 ms = 400 files/s; 4 processes 1,600',
    },
    // HTTP/2 against HTTP/1.1 over TLS, on many small files and on a few large ones (`--only W9`
    // runs both). With --http2 a connection carries up to --per-host requests at once.
    {
      ...smallFiles('W9a', 'HTTP/2 or HTTP/1.1, many small files', w1Count, quick ? 60 : 180),
      tls: true,
      tools: HTTP2_TOOLS,
    },
    {
      id: 'W9b',
      title: 'HTTP/2 or HTTP/1.1, a few large files',
      shape: `${w9.count} files of ${w9.size / MiB} MiB over TLS, no throttle`,
      kind: 'list',
      location: 'fast',
      tls: true,
      dataset: `w9-${w9.count}x${w9.size / MiB}m`,
      files: sameSize(w9.count, w9.size),
      concurrencies: [4, 16],
      tools: HTTP2_TOOLS,
      unit: 'MB/s',
      timeoutS: quick ? 60 : 150,
      limitHow: 'none measured: TLS on both sides shares the 2 cores with the transfer',
    },
  ];
}
