import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';
import { exited, spawnCli } from './cli.js';

const LINES = 1_000_000;
const MB = 1024 * 1024;

/** Peak resident set size of a live process, in bytes (Linux: VmHWM in /proc/PID/status). */
async function peakRss(pid: number): Promise<number | undefined> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

test('a 1,000,000-line list is streamed: peak memory flat', async () => {
  let firstRequest = false;
  const server = await startServer((_req, res) => {
    firstRequest = true;
    res.writeHead(200, { 'content-length': 1 }).end('x');
  });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'parafetch-stream-'));
  try {
    const list = path.join(work, 'million.txt');
    const out = createWriteStream(list);
    const chunk: string[] = [];
    for (let i = 0; i < LINES; i++) {
      chunk.push(`${server.origin}/f/${i}.bin`);
      if (chunk.length === 50_000) {
        if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
        chunk.length = 0;
      }
    }
    out.end();
    await once(out, 'finish');

    const spawnedAt = Date.now();
    const child = spawnCli(['-i', list, '-d', path.join(work, 'out'), '--progress', 'none', '-q']);
    const done = exited(child, 20_000);
    await waitFor(() => firstRequest, 15_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, spawnedAt + 3000 - Date.now())));
    const peak = await peakRss(child.pid!);
    child.kill('SIGINT');
    const r = await done;

    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stderr, '', 'quiet');
    assert.ok(server.requests.length > 100, `downloading went on: ${server.requests.length} requests`);
    if (peak !== undefined) assert.ok(peak < 200 * MB, `peak RSS ${(peak / MB).toFixed(0)} MB`);
  } finally {
    await server.close();
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('downloading starts before the list ends: the first request comes while stdin is still open', async () => {
  const server = await startServer((_req, res) => res.writeHead(200, { 'content-length': 1 }).end('x'));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'parafetch-stream-'));
  try {
    const child = spawnCli(['-i', '-', '-d', path.join(work, 'out'), '--progress', 'none', '-q'], {
      openStdin: true,
    });
    const done = exited(child, 60_000);
    const first = Array.from({ length: 1000 }, (_, i) => `${server.origin}/a/${i}.bin\n`).join('');
    child.stdin!.write(first);
    // A command that read its whole list before starting would not ask before the end of stdin.
    await waitFor(() => server.requests.length > 0, 15_000);
    child.stdin!.end(`${server.origin}/last.bin\n`);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests.length, 1001, 'every line, the last one included');
  } finally {
    await server.close();
    await fs.rm(work, { recursive: true, force: true });
  }
});
