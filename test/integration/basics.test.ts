import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { download, Downloader, type DownloadResult } from '../../src/index.js';
import { fileSha256, listFiles, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';

describe('downloading a list', () => {
  let server: TestServer;
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 40; i++) files.set(`/f/${i}.bin`, bytes(1000 + i * 997, i + 1));

  before(async () => {
    server = await startServer((req, res) => {
      const body = files.get((req.url ?? '').split('?')[0]!);
      if (!body) return void res.writeHead(404).end('not found');
      setTimeout(() => serveBody(req, res, body, { etag: `"${req.url}"` }), 5);
    });
  });
  after(() => server.close());

  test('writes every file with the exact bytes and reuses at most perHost connections', async () => {
    const dir = await tempDir();
    const items = [...files.keys()].map((p, i) => ({ url: server.url(p), path: `out/${i}.bin` }));
    const before = server.connections();
    const results = await download(items, { dir, concurrency: 8, perHost: 3 });

    assert.equal(results.length, 40);
    for (const [i, r] of results.entries()) {
      const body = files.get(`/f/${i}.bin`)!;
      assert.equal(r.index, i);
      assert.equal(r.status, 'ok', r.error?.message);
      assert.equal(r.path, path.join(dir, `out/${i}.bin`));
      assert.equal(r.bytes, body.length);
      assert.equal(r.sha256, sha256(body));
      assert.equal(r.attempts, 1);
      assert.equal(await fileSha256(r.path!), sha256(body));
    }
    const opened = server.connections() - before;
    assert.ok(opened <= 3, `opened ${opened} connections for 40 files with perHost 3`);
    assert.ok(server.peakOpen() <= 3, `peak of ${server.peakOpen()} open connections`);
    assert.deepEqual(
      (await listFiles(dir)).filter((f) => f.endsWith('.part')),
      [],
    );
  });

  test('names files after the URL, unique within the run', async () => {
    const dir = await tempDir();
    const results = await download(
      [server.url('/f/1.bin'), server.url('/f/1.bin?v=2'), server.url('/f/2.bin')],
      {
        dir,
      },
    );
    assert.deepEqual(
      results.map((r) => path.basename(r.path!)),
      ['1.bin', '1.1.bin', '2.bin'],
    );
    assert.deepEqual(await listFiles(dir), ['1.1.bin', '1.bin', '2.bin']);
  });

  test('a 404 fails at once with HTTP_404 and leaves no file; the others carry on', async () => {
    const dir = await tempDir();
    const results = await download([server.url('/missing.bin'), server.url('/f/3.bin')], { dir });
    assert.equal(results[0]!.status, 'failed');
    assert.equal(results[0]!.error?.code, 'HTTP_404');
    assert.equal(results[0]!.attempts, 1);
    assert.equal(results[1]!.status, 'ok');
    assert.deepEqual(await listFiles(dir), ['3.bin']);
  });

  test('skips existing files by default, overwrites or keeps both when asked', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, '4.bin'), 'old');
    const requestsBefore = server.requests.length;
    const [skipped] = await download([server.url('/f/4.bin')], { dir });
    assert.equal(skipped!.status, 'skipped');
    assert.equal(skipped!.attempts, 0);
    assert.equal(skipped!.bytes, 3);
    assert.equal(server.requests.length, requestsBefore, 'a skipped file costs no request');

    const [kept] = await download([server.url('/f/4.bin')], { dir, overwrite: 'rename' });
    assert.equal(path.basename(kept!.path!), '4.1.bin');
    assert.equal(await fs.readFile(path.join(dir, '4.bin'), 'utf8'), 'old');

    const [over] = await download([server.url('/f/4.bin')], { dir, overwrite: 'overwrite' });
    assert.equal(over!.status, 'ok');
    assert.equal(await fileSha256(path.join(dir, '4.bin')), sha256(files.get('/f/4.bin')!));
  });

  test('regression: two items for one path in a new folder: the second is skipped, or kept beside it', async () => {
    for (const [overwrite, status, names] of [
      ['skip', 'skipped', ['same.bin']],
      ['rename', 'ok', ['same.1.bin', 'same.bin']],
    ] as const) {
      const dir = path.join(await tempDir(), 'new', 'folder');
      const items = [
        { url: server.url('/f/5.bin'), path: 'same.bin' },
        { url: server.url('/f/6.bin'), path: 'same.bin' },
      ];
      const [first, second] = await download(items, { dir, overwrite, concurrency: 1 });
      assert.equal(first!.status, 'ok', overwrite);
      assert.equal(second!.status, status, overwrite);
      assert.deepEqual(await listFiles(dir), names, overwrite);
      assert.equal(await fileSha256(path.join(dir, 'same.bin')), sha256(files.get('/f/5.bin')!), overwrite);
    }
  });

  test('an item header that cannot be sent, a checksum that is not a SHA-256, a bad key or fields fail at once, without a request', async () => {
    const before = server.requests.length;
    const results = await download(
      [
        { url: server.url('/f/7.bin'), headers: { 'X-A': 'a\r\nX-Evil: 1' } },
        { url: server.url('/f/8.bin'), headers: { 'bad name': 'v' } },
        { url: server.url('/f/9.bin'), sha256: 'sha256:abc' },
        { url: server.url('/f/10.bin'), key: 'sample.jpg' },
        { url: server.url('/f/11.bin'), fields: { meta: { w: 1 } as unknown as string } },
      ],
      { dir: await tempDir() },
    );
    for (const r of results) {
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.code, 'INVALID_OPTION', r.error?.message);
      assert.equal(r.attempts, 0);
    }
    assert.match(results[2]!.error!.message, /item\.sha256/);
    assert.match(results[3]!.error!.message, /item\.key.*it holds a "\."/);
    assert.match(results[4]!.error!.message, /item\.fields\.meta/);
    assert.equal(server.requests.length, before);
  });

  test('items keep their key and fields through worker threads: the results hold them as given', async () => {
    const items = [12, 13, 14].map((i) => ({
      url: server.url(`/f/${i}.bin`),
      key: `shard/${i}`,
      fields: { caption: `file ${i}`, n: i, ok: i % 2 === 0, none: null },
    }));
    const results = await download(items, { dir: await tempDir(), workers: 2 });
    assert.deepEqual(
      results.map((r) => [r.status, r.item]),
      items.map((item) => ['ok', item]),
    );
  });

  test('an existing file whose sha256 does not match is fetched again', async () => {
    const dir = await tempDir();
    const body = files.get('/f/5.bin')!;
    await fs.writeFile(path.join(dir, 'a.bin'), 'stale');
    await fs.writeFile(path.join(dir, 'b.bin'), body);
    const results = await download(
      [
        { url: server.url('/f/5.bin'), path: 'a.bin', sha256: sha256(body) },
        { url: server.url('/f/5.bin'), path: 'b.bin', sha256: sha256(body).toUpperCase() },
      ],
      { dir },
    );
    assert.equal(results[0]!.status, 'ok');
    assert.equal(results[1]!.status, 'skipped');
    assert.equal(results[1]!.sha256, sha256(body));
    assert.equal(await fileSha256(path.join(dir, 'a.bin')), sha256(body));
  });

  test('a wrong checksum fails with CHECKSUM_MISMATCH and never appears under its name', async () => {
    const dir = await tempDir();
    const [r] = await download([{ url: server.url('/f/6.bin'), path: 'x.bin', sha256: 'ab'.repeat(32) }], {
      dir,
      retries: 1,
      backoff: { baseMs: 1 },
    });
    assert.equal(r!.status, 'failed');
    assert.equal(r!.error?.code, 'CHECKSUM_MISMATCH');
    assert.equal(r!.attempts, 2);
    assert.deepEqual(await listFiles(dir), []);
  });

  test('the Downloader emits typed events and yields results as they finish', async () => {
    const dir = await tempDir();
    const d = new Downloader([server.url('/f/7.bin'), server.url('/nope'), server.url('/f/8.bin')], {
      dir,
      retries: 0,
      progressIntervalMs: 0,
    });
    const started: number[] = [];
    const progress: number[] = [];
    const finished: number[] = [];
    const failed: string[] = [];
    d.on('start', (e) => started.push(e.index));
    d.on('progress', (e) => progress.push(e.index));
    d.on('finish', (r) => finished.push(r.index));
    d.on('fail', (r) => failed.push(r.error!.code));
    let summary;
    d.on('end', (s) => (summary = s));
    const seen: DownloadResult[] = [];
    for await (const r of d) seen.push(r);
    assert.deepEqual(started.sort(), [0, 1, 2]);
    assert.deepEqual(finished.sort(), [0, 2]);
    assert.deepEqual(failed, ['HTTP_404']);
    assert.ok(progress.includes(0) && progress.includes(2));
    assert.equal(seen.length, 3);
    assert.deepEqual(summary, {
      ok: 2,
      skipped: 0,
      failed: 1,
      cancelled: 0,
      notStarted: 0,
      bytes: files.get('/f/7.bin')!.length + files.get('/f/8.bin')!.length,
      ms: (summary as unknown as { ms: number }).ms,
      aborted: false,
      failuresByCode: { HTTP_404: 1 },
    });
  });

  test('reads the input lazily: an endless generator is pulled only a bounded look-ahead', async () => {
    const dir = await tempDir();
    let pulled = 0;
    function* endless() {
      for (let i = 0; i < 1_000_000_000; i++) {
        pulled++;
        yield { url: server.url(`/f/${i % 40}.bin`), path: `${i}.bin` };
      }
    }
    const controller = new AbortController();
    const d = new Downloader(endless(), { dir, concurrency: 4, signal: controller.signal });
    let done = 0;
    d.on('finish', () => {
      if (++done === 20) controller.abort();
    });
    const summary = await d.run();
    assert.equal(summary.aborted, true);
    assert.ok(summary.ok >= 20);
    assert.ok(pulled < summary.ok + 300, `pulled ${pulled} items for ${summary.ok} downloads`);
  });
});
