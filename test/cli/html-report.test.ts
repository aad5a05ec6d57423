import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TestBrowser } from '../helpers/browser.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, startServer, type TestServer } from '../helpers/server.js';
import { runCli } from './cli.js';

/** Screenshots of the pages, kept for a person to look at (test-artifacts/ at the project's root). */
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');

/** Items per host. */
const ITEMS = 150;

/**
 * Host a: every tenth item 404, some slow. Host b: some 410, and some answer 503 with Retry-After
 * once, then the file.
 */
async function hosts(): Promise<[TestServer, TestServer]> {
  const a = await startServer((req, res) => {
    const n = Number(/\d+/.exec(req.url ?? '')?.[0] ?? 0);
    if (n % 10 === 3) return void res.writeHead(404).end('gone');
    setTimeout(() => res.end(bytes(2000 + n * 37, n)), n % 25 === 7 ? 300 : 2);
  });
  const seen = new Set<string>();
  const b = await startServer((req, res) => {
    const n = Number(/\d+/.exec(req.url ?? '')?.[0] ?? 0);
    if (n % 20 === 5) return void res.writeHead(410).end('gone');
    if (n % 30 === 1 && !seen.has(req.url ?? '')) {
      seen.add(req.url ?? '');
      return void res.writeHead(503, { 'retry-after': '1' }).end('later');
    }
    setTimeout(() => res.end(bytes(500 + n * 11, n)), n % 40 === 9 ? 250 : 1);
  });
  return [a, b];
}

interface Expected {
  items: number;
  ok: number;
  failed: number;
  bytes: number;
  codes: Record<string, number>;
  hosts: number;
  timed: boolean;
}

async function expectedFrom(report: string): Promise<Expected> {
  const lines = (await fs.readFile(report, 'utf8')).trim().split('\n');
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const codes: Record<string, number> = {};
  for (const r of records) {
    if (r.status !== 'failed') continue;
    const code = (r.error as { code: string }).code;
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return {
    items: records.length,
    ok: records.filter((r) => r.status === 'ok').length,
    failed: records.filter((r) => r.status === 'failed').length,
    bytes: records.reduce((s, r) => s + (r.bytes as number), 0),
    codes,
    hosts: new Set(records.map((r) => new URL(r.url as string).host)).size,
    timed: records.every((r) => typeof r.endedAt === 'number'),
  };
}

/** Opens `file` and checks it against `expected`; saves its screenshot as `shot`. */
async function checkPage(
  browser: TestBrowser,
  file: string,
  expected: Expected,
  canvases: number,
  shot: string,
) {
  const { page, errors, requests } = await browser.open(file);
  try {
    await page.waitForSelector('body[data-drawn="yes"]', { timeout: 20_000 });
    assert.deepEqual(errors, [], 'no console error');
    assert.deepEqual(requests, [], 'no network request');

    const drawn = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
      return n;
    })`)) as number[];
    assert.ok(drawn.length >= canvases, `at least ${canvases} canvases, got ${drawn.length}`);
    for (const [i, n] of drawn.entries()) assert.ok(n > 0, `canvas ${i} has drawn pixels`);

    const value = async (id: string) => Number(await page.getAttribute(`#n-${id}`, 'data-value'));
    assert.equal(await value('items'), expected.items);
    assert.equal(await value('ok'), expected.ok);
    assert.equal(await value('failed'), expected.failed);
    assert.equal(await value('bytes'), expected.bytes);
    const groups = (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll('#failures tbody tr')].map((tr) =>
        [tr.getAttribute('data-code'), Number(tr.children[1].getAttribute('data-value'))]))`,
    )) as Record<string, number>;
    assert.deepEqual(groups, expected.codes);
    assert.match((await page.textContent('#rerun')) ?? '', new RegExp(`^${expected.failed} failed items`));

    const column = (i: number) =>
      page.evaluate(
        `[...document.querySelectorAll('#hosts tbody tr')].map((tr) => tr.children[${i}].getAttribute('data-value'))`,
      ) as Promise<string[]>;
    assert.equal((await column(0)).length, expected.hosts);
    await page.click('#hosts th[data-key="host"]');
    const byHost = await column(0);
    assert.deepEqual(
      byHost,
      [...byHost].sort((x, y) => x.localeCompare(y)),
    );
    assert.equal(await page.getAttribute('#hosts th[data-key="host"]', 'class'), 'asc');
    await page.click('#hosts th[data-key="bytes"]');
    const byBytes = (await column(3)).map(Number);
    assert.deepEqual(
      byBytes,
      [...byBytes].sort((x, y) => y - x),
    );
    assert.equal(
      (await column(3)).map(Number).reduce((s, n) => s + n, 0),
      expected.bytes,
      'the hosts sum to the total',
    );

    await fs.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, shot), fullPage: true });
  } finally {
    await page.close();
  }
}

describe('the run page', () => {
  let browser: TestBrowser;
  before(async () => {
    browser = await TestBrowser.launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('--report-html and report FILE --html draw a real run: numbers as in the report, no network, charts drawn', async () => {
    const [a, b] = await hosts();
    try {
      const work = await tempDir();
      const list = path.join(work, 'urls.txt');
      const urls: string[] = [];
      for (let i = 0; i < ITEMS; i++) urls.push(a.url(`/a/${i}.bin`), b.url(`/b/${i}.dat`));
      await fs.writeFile(list, `${urls.join('\n')}\n`);
      const report = path.join(work, 'r.jsonl');
      const live = path.join(work, 'run.html');
      const run = await runCli(
        [
          '-i',
          list,
          '-d',
          path.join(work, 'out'),
          '-j',
          '16',
          '--retries',
          '2',
          '--report',
          report,
          '--report-html',
          live,
          '-q',
        ],
        { ms: 60_000 },
      );
      assert.equal(run.code, 1, run.stderr); // some items failed
      const expected = await expectedFrom(report);
      assert.equal(expected.items, 2 * ITEMS);
      assert.ok(expected.failed > 0 && expected.ok > 0);
      // Timed by the results' arrival when the report has no times of its own.
      await checkPage(browser, live, expected, 4, 'run-page-live.png');

      const again = path.join(work, 'again.html');
      const drawn = await runCli(['report', report, '--html', again]);
      assert.equal(drawn.code, 0, drawn.stderr);
      await checkPage(browser, again, expected, expected.timed ? 4 : 2, 'run-page-report.png');
      await fs.rm(work, { recursive: true, force: true });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('report FILE without --html, an unreadable FILE, and --report-html into no folder are usage errors', async () => {
    const work = await tempDir();
    const missing = await runCli([
      'report',
      path.join(work, 'none.jsonl'),
      '--html',
      path.join(work, 'x.html'),
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read report/);
    await fs.writeFile(path.join(work, 'r.jsonl'), '');
    const noHtml = await runCli(['report', path.join(work, 'r.jsonl')]);
    assert.equal(noHtml.code, 2);
    assert.match(noHtml.stderr, /needs --html/);
    const badPage = await runCli([
      'http://127.0.0.1:9/x',
      '-d',
      work,
      '--report-html',
      path.join(work, 'no', 'such', 'dir', 'run.html'),
    ]);
    assert.equal(badPage.code, 2, 'a page that cannot be written is refused before the run');
    assert.match(badPage.stderr, /cannot write .*run\.html/);
    await fs.rm(work, { recursive: true, force: true });
  });
});
