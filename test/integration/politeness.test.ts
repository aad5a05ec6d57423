import assert from 'node:assert/strict';
import { test } from 'node:test';
import { download } from '../../src/index.js';
import { tempDir } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';

test(
  'regression: an origin answering 429 without Retry-After is slowed down as a whole, then recovers',
  { timeout: 60_000 },
  async () => {
    // 429 to everything for the first 1.5 s after the first request, then the files.
    const PHASE_MS = 1500;
    let firstAt: number | undefined;
    let refused = 0;
    const server = await startServer((_req, res) => {
      firstAt ??= Date.now();
      if (Date.now() - firstAt < PHASE_MS) {
        refused++;
        return void res.writeHead(429).end();
      }
      res.end('ok');
    });
    try {
      const items = Array.from({ length: 200 }, (_, i) => server.url(`/f${i}`));
      const results = await download(items, {
        dir: await tempDir(),
        concurrency: 16,
        retries: 20,
        backoff: { baseMs: 100, maxMs: 1000, jitter: false },
      });
      // The policy: 16 at once, then each refusal halves what may go at once (8, 4, 2, 1) and
      // pauses the origin 100, 200, 400, 800 ms: about 31 requests in the first 1.5 s. Without it,
      // every item retries on its own and the origin gets hundreds or thousands.
      assert.ok(refused > 0, 'the origin refused for a while');
      assert.ok(refused <= 80, `${refused} requests to an origin that was refusing, within ${PHASE_MS} ms`);
      const notOk = results.filter((r) => r.status !== 'ok');
      assert.deepEqual(
        notOk.map((r) => r.error?.message),
        [],
        'once the origin answers again, every item is fetched',
      );
    } finally {
      await server.close();
    }
  },
);
