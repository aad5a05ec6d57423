import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';
import { seededRandom } from '../helpers/random.js';
import { CLI } from './cli.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Served {
  readonly name: string;
  readonly body: Buffer;
  readonly serve: (req: Parameters<typeof serveBody>[0], res: Parameters<typeof serveBody>[1]) => void;
}

/**
 * The files of the run: many small ones answered after a short delay (so that some are in
 * flight at every kill), large ones below twice the split size (one stream each, throttled so
 * that they take several runs) and large ones above it (split over -x connections, throttled per
 * connection).
 */
function files(rand: () => number): Served[] {
  const out: Served[] = [];
  for (let i = 0; i < 120; i++) {
    const body = bytes(1 + Math.floor(rand() * 48 * KiB), 1000 + i);
    const delay = Math.floor(rand() * 60);
    out.push({
      name: `small-${i}.bin`,
      body,
      serve: (req, res) => setTimeout(() => serveBody(req, res, body, { etag: `"s${i}"` }), delay),
    });
  }
  for (let i = 0; i < 3; i++) {
    const body = bytes(5 * MiB + i * 333 * KiB, 2000 + i);
    out.push({
      name: `stream-${i}.bin`,
      body,
      serve: (req, res) => serveThrottled(req, res, body, { rate: 512 * KiB, etag: `"t${i}"` }),
    });
  }
  for (let i = 0; i < 2; i++) {
    const body = bytes(14 * MiB + i * 777 * KiB, 3000 + i);
    out.push({
      name: `split-${i}.bin`,
      body,
      serve: (req, res) => serveThrottled(req, res, body, { rate: 512 * KiB, etag: `"p${i}"` }),
    });
  }
  return out;
}

const leftover = (name: string) => /\.part($|\.)/.test(name) || name.endsWith('.tmp');

/** Every file under a final name holds the server's bytes; returns how many there are. */
async function assertNoWrongFile(dir: string, byName: Map<string, Buffer>, context: string): Promise<number> {
  let final = 0;
  for (const name of await listFiles(dir)) {
    if (leftover(name)) continue;
    const expected = byName.get(name);
    assert.ok(expected, `unexpected file ${name} (${context})`);
    const actual = await fs.readFile(path.join(dir, name));
    if (!actual.equals(expected)) {
      const zeros = actual.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
      assert.fail(
        `${name} differs from the server's bytes: ${actual.length} bytes for ${expected.length}, ` +
          `${zeros} zero bytes (${context})`,
      );
    }
    final += 1;
  }
  return final;
}

function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

test('chaos: SIGKILL of the command over many rounds never leaves a wrong file under a final name', async (t) => {
  const seed = Number(process.env.PARAFETCH_CHAOS_SEED ?? Date.now() % 1_000_000_000);
  const rand = seededRandom(seed);
  const served = files(rand);
  const byName = new Map(served.map((f) => [f.name, f.body]));
  const byPath = new Map(served.map((f) => [`/${f.name}`, f]));
  /** Called once, by the first request of the current run. */
  let onFirstRequest: (() => void) | undefined;
  const server = await startServer((req, res) => {
    onFirstRequest?.();
    onFirstRequest = undefined;
    const file = byPath.get(req.url ?? '');
    if (file) file.serve(req, res);
    else res.writeHead(404).end();
  });
  const dir = await tempDir('parafetch-chaos-');
  const list = path.join(await tempDir('parafetch-list-'), 'chaos.txt');
  // The large files first, so that they start in the first round.
  const order = [...served].sort((a, b) => b.body.length - a.body.length);
  await fs.writeFile(list, order.map((f) => server.url(`/${f.name}`)).join('\n') + '\n');
  const common = [CLI, '-i', list, '-d', dir, '-j', '12', '--progress', 'none', '-q'];
  const args = [...common, '-x', '4', '-k', '4M'];
  /**
   * How the run of `round` splits, by pairs of rounds: as the final run does (streams resumed as
   * streams); with one connection (split states resumed over one); with a split size under the
   * streams' size (a stream's state resumed over several connections).
   */
  const split = (round: number) =>
    [
      ['-x', '4', '-k', '4M'],
      ['-x', '1'],
      ['-x', '4', '-k', '1M'],
    ][Math.floor(round / 2) % 3]!;
  const schedule: string[] = [];
  const context = () => `seed ${seed}; kills, in ms after each run's first request: ${schedule.join(', ')}`;
  t.diagnostic(`seed ${seed} (set PARAFETCH_CHAOS_SEED to replay)`);
  try {
    // Alternating: a long run (a single stream writes its resume state 1 s after it starts), then
    // a kill within the first second of the next run (a resumed download before its first
    // checkpoint). Times count from the run's first request: starting node takes a varying part
    // of a second on a loaded machine.
    const rounds = 14;
    for (let round = 0; round < rounds; round++) {
      const long = round % 2 === 0;
      const killAfter = Math.round(long ? 1200 + rand() * 2300 : 30 + rand() * 900);
      schedule.push(`${long ? 'long' : 'short'} ${split(round).join(' ')} ${killAfter}`);
      const child = spawn(process.execPath, [...common, ...split(round)], { stdio: 'ignore' });
      let timer: NodeJS.Timeout | undefined;
      const kill = () => (timer = setTimeout(() => child.kill('SIGKILL'), killAfter));
      onFirstRequest = kill;
      // A run with nothing left to fetch makes no request: it is killed or ends by itself.
      const idle = setTimeout(() => {
        if (onFirstRequest !== kill) return;
        onFirstRequest = undefined;
        kill();
      }, 5000);
      const code = await waitExit(child);
      onFirstRequest = undefined;
      clearTimeout(timer);
      clearTimeout(idle);
      assert.ok(code === null || code === 0, `run ${round + 1} exited with ${code} (${context()})`);
      await assertNoWrongFile(dir, byName, `after run ${round + 1}; ${context()}`);
    }
    // A clean run to the end.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await waitExit(child);
    clearTimeout(timer);
    assert.equal(code, 0, `the clean run exited with ${code}: ${stderr} (${context()})`);
    const final = await assertNoWrongFile(dir, byName, `after the clean run; ${context()}`);
    assert.equal(final, served.length, `every file is there (${context()})`);
    assert.deepEqual(
      (await listFiles(dir)).filter(leftover),
      [],
      `no part or state file is left (${context()})`,
    );
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
