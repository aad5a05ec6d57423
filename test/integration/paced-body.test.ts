import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeOptions } from '../../src/engine/options.js';
import type { ByteBudget } from '../../src/transport/byte-budget.js';
import { HttpClient } from '../../src/transport/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const KiB = 1024;

/** A budget the test opens and closes: while closed, every take waits until it is opened. */
class Gate implements ByteBudget {
  taken = 0;
  #open = true;
  #waiting: (() => void)[] = [];

  take(n: number): Promise<void> | undefined {
    this.taken += n;
    if (this.#open) return undefined;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): void {
    this.#open = false;
  }

  open(): void {
    this.#open = true;
    for (const go of this.#waiting.splice(0)) go();
  }
}

/** Whether `p` has settled after the events queued now have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await sleep(50);
  return done;
}

describe('a paced body (a budget that says wait)', () => {
  let server: TestServer;
  let client: HttpClient;
  const gate = new Gate();
  before(async () => {
    server = await startServer((req, res) => {
      const size = Number(req.url!.slice(1));
      res.writeHead(200, { 'content-length': size }).end(Buffer.alloc(size, 1));
    });
    client = new HttpClient({ ...normalizeOptions({ proxy: 'none' }), budget: gate });
  });
  after(async () => {
    await client.destroy();
    await server.close();
  });

  test('nothing more is given while the budget waits; the rest flows once it lets go', async () => {
    gate.close();
    const res = await client.request(new URL(server.url(`/${4096 * KiB}`)), { headers: {} });
    let got = 0;
    const done = res.body.pipeTo((chunk) => void (got += chunk.length));
    await sleep(200);
    const held = got;
    assert.ok(held > 0 && held <= 64 * KiB, `one chunk before the wait, got ${held}`);
    await sleep(100);
    assert.equal(got, held, 'no chunk while the budget waits');
    assert.equal(await settled(done), false);
    gate.open();
    await done;
    assert.equal(got, 4096 * KiB);
    assert.equal(gate.taken >= got, true, 'every byte given was taken from the budget');
  });

  test('a body that ended during a wait is not over before the wait is', async () => {
    gate.close();
    const res = await client.request(new URL(server.url('/1000')), { headers: {} });
    const done = res.body.pipeTo(() => {});
    assert.equal(await settled(done), false);
    assert.equal(res.body.complete, true, 'the whole body arrived');
    gate.open();
    await done;
  });

  test("the consumer's resume during a wait does not let bytes through before the budget does", async () => {
    gate.close();
    const res = await client.request(new URL(server.url(`/${1024 * KiB}`)), { headers: {} });
    let got = 0;
    const done = res.body.pipeTo((chunk) => {
      got += chunk.length;
      return false; // a sink that is behind, as well
    });
    await sleep(100);
    const held = got;
    res.body.resume();
    await sleep(100);
    assert.equal(got, held, 'still waiting for the budget');
    gate.open();
    await sleep(100);
    // The consumer paused again at the next chunk: it flows one chunk per resume now.
    for (let i = 0; i < 10_000 && !(await settled(done)); i++) res.body.resume();
    await done;
    assert.equal(got, 1024 * KiB);
  });

  test('a body destroyed during a wait lets its delivery go at once', async () => {
    gate.close();
    const res = await client.request(new URL(server.url(`/${1024 * KiB}`)), { headers: {} });
    const done = res.body.pipeTo(() => {});
    await sleep(50);
    res.body.destroy();
    await done;
    gate.open();
  });
});
