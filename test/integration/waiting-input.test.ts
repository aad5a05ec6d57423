import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Downloader, type RunSummary } from '../../src/index.js';
import { settlesWithin, tempDir, waitFor } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';

/** An input that yields `first`, then waits for its next item (stdin, a queue) until `release`. */
function waitingInput(first: string) {
  let release: (url: string) => void = () => {};
  const next = new Promise<string>((resolve) => (release = resolve));
  let returned = false;
  async function* items() {
    try {
      yield first;
      yield await next;
    } finally {
      returned = true;
    }
  }
  return { items: items(), release: (url: string) => release(url), returned: () => returned };
}

test(
  'regression: break out of for await returns while the input waits for its next item',
  { timeout: 10_000 },
  async () => {
    const server = await startServer((_req, res) => res.end('hello'));
    try {
      const input = waitingInput(server.url('/a'));
      const d = new Downloader(input.items, { dir: await tempDir() });
      const ended = once(d, 'end') as Promise<[RunSummary]>;
      const seen: string[] = [];
      await settlesWithin(
        (async () => {
          for await (const r of d) {
            seen.push(r.status);
            break;
          }
        })(),
        3000,
      );
      assert.deepEqual(seen, ['ok']);
      const [summary] = await settlesWithin(ended, 3000);
      assert.equal(summary.aborted, true);
      assert.equal(summary.ok, 1);
    } finally {
      await server.close();
    }
  },
);

test(
  'regression: abort() ends run() while the input waits for its next item',
  { timeout: 10_000 },
  async () => {
    const server = await startServer((_req, res) => res.end('hello'));
    try {
      const input = waitingInput(server.url('/a'));
      const d = new Downloader(input.items, { dir: await tempDir() });
      const started: string[] = [];
      d.on('start', (e) => started.push(e.url));
      const pending = d.run();
      const [first] = (await settlesWithin(once(d, 'result'), 3000)) as [{ status: string }];
      assert.equal(first.status, 'ok');
      d.abort();
      const summary = await settlesWithin(pending, 3000);
      assert.equal(summary.aborted, true);
      assert.equal(summary.ok, 1);
      // An item the input gives after the abort is dropped: never started, never requested.
      input.release(server.url('/late'));
      await waitFor(() => input.returned(), 3000);
      assert.deepEqual(started, [server.url('/a')]);
      assert.deepEqual(
        server.requests.map((r) => r.url),
        ['/a'],
      );
    } finally {
      await server.close();
    }
  },
);
