import assert from 'node:assert/strict';
import type http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { widthOf } from '../../src/render/width.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, startServer, type TestServer } from '../helpers/server.js';
import { serveThrottled } from '../helpers/throttle.js';
import { requireTmux, startTerminal, type Terminal } from '../helpers/tmux.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const UNITS: Record<string, number> = { B: 1, KiB, MiB, GiB: 1024 * MiB };

/** `31.0 MiB` → bytes. */
function parseBytes(value: string, unit: string): number {
  return Number(value) * UNITS[unit]!;
}

/** `850ms`, `8.6s`, `3m05s` → ms. */
function parseDuration(text: string): number {
  let m = /^(\d+)ms$/.exec(text);
  if (m) return Number(m[1]);
  m = /^([\d.]+)s$/.exec(text);
  if (m) return Number(m[1]) * 1000;
  m = /^(\d+)m(\d+)s$/.exec(text);
  if (m) return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  throw new Error(`not a duration: ${text}`);
}

/** The first line of the live display: `[bar]  31%  31.0 MiB/100 MiB  8.0 MiB/s  ETA 8.6s`. */
const BAR_LINE =
  /(\d+)% {2}([\d.]+) (B|KiB|MiB|GiB)\/(~?)([\d.]+) (B|KiB|MiB|GiB) {2}([\d.]+) (B|KiB|MiB|GiB)\/s {2}ETA (\S+)$/;

describe('the live display on a terminal (tmux)', () => {
  let work: string;
  const terminals: Terminal[] = [];
  const servers: TestServer[] = [];

  before(async () => {
    requireTmux();
    work = await tempDir();
  });
  after(async () => {
    for (const t of terminals) await t.close();
    for (const s of servers) await s.close();
    await fs.rm(work, { recursive: true, force: true });
  });

  async function terminal(columns: number, rows: number, args: readonly string[]): Promise<Terminal> {
    const t = await startTerminal({ columns, rows, args, cwd: work });
    terminals.push(t);
    return t;
  }

  test('one large file served slowly: percent and ETA come from its bytes, not from 0 of 1 files', async () => {
    const size = 3 * MiB;
    const body = bytes(size, 7);
    const server = await startServer((req, res) => serveThrottled(req, res, body, { rate: 768 * KiB }));
    servers.push(server);
    const t = await terminal(100, 12, ['-d', path.join(work, 'large'), '-x', '1', server.url('/large.bin')]);
    const seen = await t.waitFor((rows) => {
      const files = rows.find((r) => /^ {2}0\/1 files/.test(r));
      const m = rows.map((r) => BAR_LINE.exec(r)).find((x) => x !== null);
      if (!files || !m || m[9] === '--') return undefined;
      const percent = Number(m[1]);
      return percent >= 10 && percent <= 90 ? { m, rows } : undefined;
    });
    const m = seen.m;
    const percent = Number(m[1]);
    const done = parseBytes(m[2]!, m[3]!);
    const total = parseBytes(m[5]!, m[6]!);
    const rate = parseBytes(m[7]!, m[8]!);
    const eta = parseDuration(m[9]!);
    assert.equal(m[4], '', `the size is known, not estimated: ${seen.rows.join('\n')}`);
    assert.equal(total, size);
    // What the line says agrees with itself: the percent is the bytes', the ETA the bytes left at its rate.
    assert.ok(Math.abs(percent - (done / total) * 100) <= 2, seen.rows.join('\n'));
    const expected = ((total - done) / rate) * 1000;
    assert.ok(Math.abs(eta - expected) <= expected * 0.2 + 1000, `ETA ${eta} ms, bytes left say ${expected}`);
    assert.equal(await t.exited(), 0);
  });

  test('a 2,000-line local list (gzipped): the total is known from the start, not once the reading ends', async () => {
    const held: http.ServerResponse[] = [];
    let release = false;
    const server = await startServer((_req, res) => {
      if (release) res.end('0123456789');
      else held.push(res);
    });
    servers.push(server);
    const list = path.join(work, 'list.txt.gz');
    const urls = Array.from({ length: 2000 }, (_, i) => server.url(`/f/${String(i).padStart(4, '0')}.txt`));
    await fs.writeFile(list, gzipSync(`${urls.join('\n')}\n`));
    const t = await terminal(100, 12, ['-d', path.join(work, 'list'), '-j', '8', '-i', list]);
    // Nothing has finished (the server holds every answer), and only a few hundred lines are read.
    const row = await t.waitFor((rows) => rows.find((r) => /^ {2}0\/2,000 files .*queued [\d,]+$/.test(r)));
    assert.doesNotMatch(row, /\+$/, 'queued is the number left, not "and more"');
    assert.ok(held.length <= 8, 'no more requests than -j at once');
    release = true;
    for (const res of held.splice(0)) res.end('0123456789');
    assert.equal(await t.exited(), 0);
    assert.ok((await t.history()).some((r) => r.startsWith('Done: 2,000 ok')));
  });

  test('a 60-column terminal: every line fits, long URLs above the display are whole, the ETA is not cut off', async () => {
    const long = '/a/rather/long/directory/name/that/goes/on/and/on/for/quite/a/while/before/the/file';
    const body = bytes(2 * MiB, 3);
    // The failures come while the slow downloads are listed under the counters: the lines printed
    // above the display are written over rows of it.
    const server = await startServer((req, res) => {
      if (req.url!.includes('/missing-')) setTimeout(() => res.writeHead(404).end(), 1200);
      else serveThrottled(req, res, body, { rate: 256 * KiB });
    });
    servers.push(server);
    const missing = Array.from({ length: 5 }, (_, i) => server.url(`${long}/missing-${i}.bin`));
    const slow = [server.url(`${long}/big-0.bin`), server.url(`${long}/big-1.bin`)];
    const list = path.join(work, 'narrow.txt');
    await fs.writeFile(
      list,
      [`${slow[0]} データ/とても長いファイルの名前-0.bin`, slow[1], ...missing].join('\n') + '\n',
    );
    const t = await terminal(60, 20, [
      '-d',
      path.join(work, 'narrow'),
      '-j',
      '3',
      '-x',
      '1',
      '--retries',
      '0',
      '-i',
      list,
    ]);
    // The two slow downloads are listed under the counters once they have run for a second.
    const rows = await t.waitFor((r) =>
      r.filter((x) => /KiB\/s +[\d.]+ (KiB|MiB)\/2\.0 MiB/.test(x)).length === 2 &&
      r.some((x) => BAR_LINE.test(x))
        ? r
        : undefined,
    );
    const shown = rows.join('\n');
    // A line wider than the terminal would show as 60 columns, its overflow piled into the last one.
    for (const r of rows) assert.ok(widthOf(r) <= 59, `${widthOf(r)} columns: ${r}\n${shown}`);
    assert.match(shown, /ETA \S+$/m, 'the ETA is on the bar line');
    assert.ok(
      rows.some((r) => / …\S*の名前-0\.bin$/.test(r)),
      `the CJK name keeps its end:\n${shown}`,
    );
    assert.equal(await t.exited(), 1);
    const history = (await t.history()).join('\n').replace(/\s+/g, '');
    for (const url of missing) {
      // Whole, and followed by the next line printed, the display or the summary: nothing left over
      // from a row of the display it was written on.
      const whole = history.indexOf(`failedHTTP_404serveranswered404for${url}`);
      assert.ok(whole >= 0, `${url} whole in:\n${history}`);
      const next = history.slice(whole).slice(`failedHTTP_404serveranswered404for${url}`.length);
      assert.match(next, /^(failed|\[|Done|$)/, `after ${url}: ${next.slice(0, 80)}`);
    }
  });
});
