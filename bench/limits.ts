// W3's physical limit is measured, not derived: how fast loopback delivers the files with a lean
// client that writes nothing (curl to /dev/null, all files at once), and how fast the disk takes
// the same bytes (cp from the page-cached data to the output directory). The limit is the slower.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Dataset } from './data.js';
import { measure } from './measure.js';
import type { TestServer } from './nginx.js';
import { cleanDir } from './runner.js';

export interface MeasuredLimit {
  loopbackMBps?: number;
  diskMBps: number;
  limitMBps: number;
  how: string;
}

export async function measureThroughputLimit(
  dataset: Dataset,
  server: TestServer,
  outRoot: string,
  logDir: string,
  haveCurl: boolean,
): Promise<MeasuredLimit> {
  const outDir = join(outRoot, 'out');
  const megabytes = dataset.totalBytes / 1e6;
  let loopbackMBps: number | undefined;
  if (haveCurl) {
    const args = ['--parallel', '--parallel-max', `${dataset.files.length}`, '-s', '-S', '-f'];
    for (const f of dataset.files)
      args.push('-o', '/dev/null', `${server.baseUrl}/fast/${dataset.name}/${f.rel}`);
    const best: number[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await measure(
        { cmd: 'curl', args, cwd: outRoot },
        {
          logFile: join(logDir, 'limit-loopback.log'),
          timeFile: join(logDir, 'limit-loopback.time'),
          timeoutS: 120,
        },
      );
      if (m.exitCode === 0) best.push(megabytes / m.wallS);
    }
    if (best.length > 0) loopbackMBps = Math.max(...best);
  }
  const disk: number[] = [];
  for (let i = 0; i < 2; i++) {
    cleanDir(outDir);
    execFileSync('sync');
    const m = await measure(
      { cmd: 'cp', args: ['-r', dataset.dir, outDir], cwd: outRoot },
      { logFile: join(logDir, 'limit-disk.log'), timeFile: join(logDir, 'limit-disk.time'), timeoutS: 120 },
    );
    if (m.exitCode === 0) disk.push(megabytes / m.wallS);
  }
  cleanDir(outDir);
  const diskMBps = Math.max(...disk, 0);
  const limitMBps = loopbackMBps === undefined ? diskMBps : Math.min(loopbackMBps, diskMBps);
  const parts = [
    loopbackMBps === undefined
      ? 'loopback not measured (no curl)'
      : `loopback ${loopbackMBps.toFixed(0)} MB/s`,
    `disk write ${diskMBps.toFixed(0)} MB/s`,
  ];
  return { loopbackMBps, diskMBps, limitMBps, how: parts.join(', ') };
}
