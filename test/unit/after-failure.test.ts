import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { afterFailure, type AttemptHistory } from '../../src/engine/after-failure.js';
import { HostGate } from '../../src/engine/host-gate.js';
import { attemptUrl } from '../../src/download/mirrors.js';
import { HttpStatusError, TimeoutError, type ParafetchError } from '../../src/errors/index.js';

const A = 'https://a.example';
const B = 'https://b.example';
const C = 'https://c.example';
const policy = {
  retries: 5,
  backoff: { baseMs: 100, maxMs: 1000, factor: 2, jitter: false },
  maxRetryAfterMs: 60_000,
};

/** What each attempt's URL answered, in order; the expected step after each. */
type Answer = { status: number; retryAfter?: string } | 'timeout';
type Expected = { retry: false; code: string } | { retry: true; delayMs: number; host: string };

/** What the engine knows of an item sent to origin A, after `attempts` attempts. */
function history(item: AttemptHistory['item'], attempts: number): AttemptHistory {
  return { item, attempts, skips: 0, sentAt: 0, host: A, notHere: [] };
}

function play(mirrors: string[], answers: Answer[], retries = policy.retries): Expected[] {
  const gate = new HostGate(8, policy.backoff);
  const urls = [`${A}/f`, ...mirrors];
  const h = history({ url: urls[0]!, mirrors }, 0);
  const out: Expected[] = [];
  for (const answer of answers) {
    h.attempts++;
    const url = attemptUrl(urls, h.attempts);
    const error: ParafetchError =
      answer === 'timeout'
        ? new TimeoutError('stall', 1000, url)
        : new HttpStatusError(answer.status, url, answer.retryAfter);
    const next = afterFailure(h, error, gate, { ...policy, retries }, 1000 * h.attempts, 0.5);
    if (!next.retry) {
      out.push({ retry: false, code: next.error.code });
      break;
    }
    out.push({ retry: true, delayMs: next.delayMs, host: next.host });
    h.host = next.host;
  }
  return out;
}

describe('afterFailure: mirrors', () => {
  test('a 404 hands over to the mirror at once; the mirror is the next host', () => {
    assert.deepEqual(play([`${B}/f`], [{ status: 404 }]), [{ retry: true, delayMs: 0, host: B }]);
  });

  test('404 from every URL: each asked once, then the item fails with the last answer', () => {
    assert.deepEqual(play([`${B}/f`, `${C}/f`], [{ status: 404 }, { status: 410 }, { status: 404 }]), [
      { retry: true, delayMs: 0, host: B },
      { retry: true, delayMs: 0, host: C },
      { retry: false, code: 'HTTP_404' },
    ]);
  });

  test('5xx from every URL: a new round after the backoff (skips not counted), from the first URL again', () => {
    assert.deepEqual(play([`${B}/f`], [{ status: 500 }, { status: 502 }, { status: 500 }, { status: 502 }]), [
      { retry: true, delayMs: 0, host: B },
      { retry: true, delayMs: 100, host: A },
      { retry: true, delayMs: 0, host: B },
      { retry: true, delayMs: 200, host: A },
    ]);
  });

  test('regression: a skip to the mirror uses no retry (retries 1: 404, then a timeout at the mirror is retried)', () => {
    assert.deepEqual(play([`${B}/f`], [{ status: 404 }, 'timeout', { status: 404 }, 'timeout'], 1), [
      { retry: true, delayMs: 0, host: B },
      { retry: true, delayMs: 100, host: A },
      { retry: true, delayMs: 0, host: B },
      { retry: false, code: 'STALL_TIMEOUT' },
    ]);
  });

  test('5xx from every URL with retries 1: two rounds, then the item fails', () => {
    assert.deepEqual(
      play([`${B}/f`], [{ status: 500 }, { status: 502 }, { status: 500 }, { status: 502 }], 1),
      [
        { retry: true, delayMs: 0, host: B },
        { retry: true, delayMs: 100, host: A },
        { retry: true, delayMs: 0, host: B },
        { retry: false, code: 'HTTP_502' },
      ],
    );
  });

  test('a timeout between two 404s starts the round again', () => {
    assert.deepEqual(play([`${B}/f`], [{ status: 404 }, 'timeout', { status: 404 }, { status: 404 }]), [
      { retry: true, delayMs: 0, host: B },
      { retry: true, delayMs: 100, host: A },
      { retry: true, delayMs: 0, host: B },
      { retry: false, code: 'HTTP_404' },
    ]);
  });

  test('the error of an item every URL refused names what each said', () => {
    const gate = new HostGate(8, policy.backoff);
    const h = history({ url: `${A}/f`, mirrors: [`${B}/f`] }, 1);
    afterFailure(h, new HttpStatusError(404, `${A}/f`), gate, policy, 0, 0.5);
    h.attempts = 2;
    const next = afterFailure(h, new HttpStatusError(410, `${B}/f`), gate, policy, 0, 0.5);
    assert.equal(next.retry, false);
    assert.match(
      (next as { error: ParafetchError }).error.message,
      /every URL of the item was tried: https:\/\/a\.example\/f → HTTP_404, https:\/\/b\.example\/f → HTTP_410/,
    );
  });
});

describe('afterFailure: the origin learns from the answer', () => {
  test('a 429 slows its origin down; a 404 from it lets it recover', () => {
    const gate = new HostGate(8, policy.backoff);
    const h = history({ url: `${A}/f` }, 1);
    afterFailure(h, new HttpStatusError(429, `${A}/f`), gate, policy, 10, 0.5);
    assert.equal(gate.allowed(A), 4);
    assert.equal(gate.canStart(A, 109), false);
    afterFailure(h, new HttpStatusError(404, `${A}/f`), gate, policy, 20, 0.5);
    assert.equal(gate.allowed(A), 5);
  });

  test("a 503's Retry-After pauses its origin even when the item goes on to a mirror", () => {
    const gate = new HostGate(8, policy.backoff);
    const h = history({ url: `${A}/f`, mirrors: [`${B}/f`] }, 1);
    const next = afterFailure(h, new HttpStatusError(503, `${A}/f`, '30'), gate, policy, 10, 0.5);
    assert.deepEqual(next, { retry: true, delayMs: 0, host: B });
    assert.equal(gate.canStart(A, 30_009), false);
    assert.equal(gate.canStart(A, 30_010), true);
    assert.equal(gate.canStart(B, 10), true);
  });

  test('a Retry-After longer than maxRetryAfterMs does not pause the origin that long', () => {
    const gate = new HostGate(8, policy.backoff);
    const h = history({ url: `${A}/f` }, 1);
    afterFailure(h, new HttpStatusError(429, `${A}/f`, '3600'), gate, policy, 10, 0.5);
    assert.equal(gate.canStart(A, 10 + 100), true, 'its own backoff instead');
  });
});
