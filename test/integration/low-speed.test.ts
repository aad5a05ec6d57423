import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { download, LowSpeedError } from '../../src/index.js';
import { normalizeOptions } from '../../src/engine/options.js';
import { HttpClient } from '../../src/transport/client.js';
import { fileSha256, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer, type TestServer } from '../helpers/server.js';
import { runCli } from '../cli/cli.js';

const fast = { baseMs: 5, maxMs: 20 };
const lowSpeed = { bytesPerSecond: 100, seconds: 1 };
const big = bytes(4 * 1024 * 1024, 9);

/** Sends `body` (or its range) one byte every 100 ms: 10 bytes/s, for as long as the client stays. */
function trickle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const end = m && m[2] ? Number(m[2]) : body.length - 1;
  res.writeHead(m ? 206 : 200, {
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    ...(m ? { 'content-range': `bytes ${start}-${end}/${body.length}` } : {}),
  });
  let at = start;
  const timer = setInterval(() => {
    if (at > end) return void clearInterval(timer);
    res.write(body.subarray(at, at + 1));
    at++;
  }, 100);
  res.on('close', () => clearInterval(timer));
}

describe('the low-speed limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((req, res) => {
      const url = req.url ?? '';
      if (url === '/trickle') return trickle(req, res, bytes(1000));
      // Split: the first range is served at full speed, every later one trickles.
      if (url === '/split' && /^bytes=0-/.test(req.headers.range ?? 'bytes=0-'))
        return serveBody(req, res, big);
      if (url === '/split') return trickle(req, res, big);
      serveBody(req, res, big);
    });
  });
  after(() => server.close());

  test('a body trickling at 10 bytes/s fails with LOW_SPEED (not ABORTED), and is retried', async () => {
    const [r] = await download([server.url('/trickle')], {
      dir: await tempDir(),
      lowSpeed,
      retries: 1,
      backoff: fast,
    });
    assert.equal(r!.status, 'failed');
    assert.equal(r!.error?.code, 'LOW_SPEED', r!.error?.message);
    assert.match(r!.error!.message, /sent under 100 bytes\/s for 1 s$/);
    assert.equal(r!.attempts, 2);
  });

  test('a range request (as each segment of a split download makes) fails with LOW_SPEED from the body read', async () => {
    const client = new HttpClient(normalizeOptions({ lowSpeed, proxy: 'none' }));
    try {
      const res = await client.request(new URL(server.url('/split')), {
        headers: { range: 'bytes=2097152-' },
      });
      assert.equal(res.status, 206);
      await assert.rejects(
        res.body.pipeTo(() => {}),
        (err: unknown) => err instanceof LowSpeedError && err.code === 'LOW_SPEED',
      );
    } finally {
      await client.destroy();
    }
  });

  test('a fast download under the same limit is unaffected', async () => {
    const [r] = await download([server.url('/fast.bin')], { dir: await tempDir(), lowSpeed, retries: 0 });
    assert.equal(r!.status, 'ok', r!.error?.message);
    assert.equal(await fileSha256(r!.path!), sha256(big));
  });

  test('0 bytes/s disables the limit', async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 2500);
    try {
      const [r] = await download([server.url('/trickle')], {
        dir: await tempDir(),
        lowSpeed: { bytesPerSecond: 0, seconds: 1 },
        signal: controller.signal,
      });
      assert.equal(r!.error?.code, 'ABORTED', 'still receiving when stopped after 2.5 s');
    } finally {
      clearTimeout(timer);
    }
  });

  test('the command: --speed-limit 100 --speed-time 1 stops a trickle with LOW_SPEED, exit 1', async () => {
    const r = await runCli([
      '-d',
      await tempDir(),
      '--speed-limit',
      '100',
      '--speed-time',
      '1',
      '--retries',
      '0',
      server.url('/trickle'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^failed +LOW_SPEED +/m);
  });
});
