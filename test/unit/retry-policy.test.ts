import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideRetry, parseRetryAfter, type RetryDecision } from '../../src/engine/retry-policy.js';
import {
  ConnectionError,
  HttpStatusError,
  type ParafetchError,
  TimeoutError,
  UnsafePathError,
} from '../../src/errors/index.js';

const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
const URL_ = 'https://example.com/file.bin';

describe('parseRetryAfter', () => {
  const cases: Array<{ name: string; value: string | undefined; expected: number | undefined }> = [
    { name: 'delay-seconds', value: '120', expected: 120_000 },
    { name: 'zero seconds', value: '0', expected: 0 },
    { name: 'delay-seconds with surrounding spaces', value: '  7 ', expected: 7_000 },
    { name: 'HTTP-date 30 s in the future', value: 'Wed, 21 Oct 2015 07:28:30 GMT', expected: 30_000 },
    { name: 'HTTP-date equal to now', value: 'Wed, 21 Oct 2015 07:28:00 GMT', expected: 0 },
    { name: 'HTTP-date in the past gives 0', value: 'Wed, 21 Oct 2015 07:27:00 GMT', expected: 0 },
    { name: 'RFC 850 date in the future', value: 'Wednesday, 21-Oct-15 07:28:10 GMT', expected: 10_000 },
    { name: 'fractional seconds are not delay-seconds', value: '1.5', expected: undefined },
    { name: 'negative seconds', value: '-5', expected: undefined },
    { name: 'garbage word', value: 'soon', expected: undefined },
    { name: 'digits followed by letters', value: '12abc', expected: undefined },
    // Regression: V8's lenient Date.parse reads 'x 2020' as a year; it must stay unreadable.
    { name: 'garbage that V8 Date.parse happens to accept', value: 'x 2020', expected: undefined },
    { name: 'empty string', value: '', expected: undefined },
    { name: 'only spaces', value: '   ', expected: undefined },
    { name: 'missing header', value: undefined, expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(parseRetryAfter(c.value, NOW), c.expected);
    });
  }
});

describe('decideRetry', () => {
  const policy = {
    retries: 5,
    backoff: { baseMs: 100, maxMs: 1000, factor: 2, jitter: false },
    maxRetryAfterMs: 60_000,
  };
  const jittered = { ...policy, backoff: { ...policy.backoff, jitter: true } };
  const timeout = () => new TimeoutError('stall', 1000, URL_);
  const status = (code: number, retryAfter?: string) => new HttpStatusError(code, URL_, retryAfter);

  const cases: Array<{
    name: string;
    error: ParafetchError;
    attempt: number;
    random?: number;
    policy?: typeof policy;
    /** URLs of the item, and "not here" answers in a row (this one included). */
    urls?: number;
    notHere?: number;
    expected:
      | { retry: true; delayMs: number; fromRetryAfter?: true; nextMirror?: true }
      | { retry: false; reason: RegExp };
  }> = [
    // Mirrors: a URL that says "not here" (404, 410, 5xx) hands over to the next one at once.
    {
      name: 'regression: a 404 from the first URL of an item with a mirror goes on to the mirror at once',
      error: status(404),
      attempt: 1,
      urls: 2,
      notHere: 1,
      expected: { retry: true, delayMs: 0, nextMirror: true },
    },
    {
      name: 'a 410 with mirrors left goes on to the next',
      error: status(410),
      attempt: 2,
      urls: 3,
      notHere: 2,
      expected: { retry: true, delayMs: 0, nextMirror: true },
    },
    {
      name: 'a 503 with Retry-After and a mirror left goes on at once (the wait is for that origin)',
      error: status(503, '30'),
      attempt: 1,
      urls: 2,
      notHere: 1,
      expected: { retry: true, delayMs: 0, nextMirror: true },
    },
    {
      name: 'going on to a mirror costs no retry: retries 0 still asks the mirror',
      error: status(404),
      attempt: 1,
      urls: 2,
      notHere: 1,
      policy: { ...policy, retries: 0 },
      expected: { retry: true, delayMs: 0, nextMirror: true },
    },
    {
      name: 'a 404 from every URL of the item fails it',
      error: status(404),
      attempt: 3,
      urls: 3,
      notHere: 3,
      expected: { retry: false, reason: /every one of the 3 URLs/ },
    },
    {
      name: 'a 5xx from every URL: a new round after the usual backoff',
      error: status(500),
      attempt: 2,
      urls: 2,
      notHere: 2,
      expected: { retry: true, delayMs: 200 },
    },
    {
      name: 'a 5xx from every URL with the retries spent fails',
      error: status(502),
      attempt: 6,
      urls: 2,
      notHere: 2,
      expected: { retry: false, reason: /gave up after 6/ },
    },
    {
      name: 'a 403 is not "not here": no mirror, no retry',
      error: status(403),
      attempt: 1,
      urls: 2,
      notHere: 0,
      expected: { retry: false, reason: /not retryable/ },
    },
    {
      name: 'a timeout with mirrors backs off as usual (the next attempt rotates to the next URL)',
      error: timeout(),
      attempt: 1,
      urls: 2,
      notHere: 0,
      expected: { retry: true, delayMs: 100 },
    },
    {
      name: 'without mirrors a 404 fails at once',
      error: status(404),
      attempt: 1,
      urls: 1,
      notHere: 1,
      expected: { retry: false, reason: /not retryable/ },
    },
    // Errors that cannot succeed on a later attempt.
    {
      name: 'unsafe path is not retried',
      error: new UnsafePathError('../x', 'it leaves the download directory'),
      attempt: 1,
      expected: { retry: false, reason: /not retryable/ },
    },
    {
      name: '404 is not retried',
      error: status(404),
      attempt: 1,
      expected: { retry: false, reason: /not retryable/ },
    },
    {
      name: '501 is not retried',
      error: status(501),
      attempt: 1,
      expected: { retry: false, reason: /not retryable/ },
    },
    {
      name: 'TLS failure is not retried',
      error: new ConnectionError('TLS_ERROR', 'bad cert'),
      attempt: 1,
      expected: { retry: false, reason: /not retryable/ },
    },
    // Attempt budget: `retries` further attempts after the first.
    {
      name: 'last allowed retry (attempt 5 of 1+5)',
      error: timeout(),
      attempt: 5,
      expected: { retry: true, delayMs: 1000 },
    },
    {
      name: 'attempt 6 > retries 5 gives up',
      error: timeout(),
      attempt: 6,
      expected: { retry: false, reason: /gave up after 6/ },
    },
    {
      name: 'retries 0 never retries',
      error: timeout(),
      attempt: 1,
      policy: { ...policy, retries: 0 },
      expected: { retry: false, reason: /gave up after 1/ },
    },
    {
      name: 'attempts exhausted even with Retry-After',
      error: status(429, '1'),
      attempt: 6,
      expected: { retry: false, reason: /gave up/ },
    },
    // Exponential growth, capped at maxMs (no jitter).
    { name: 'attempt 1 waits baseMs', error: timeout(), attempt: 1, expected: { retry: true, delayMs: 100 } },
    { name: 'attempt 2 doubles', error: timeout(), attempt: 2, expected: { retry: true, delayMs: 200 } },
    {
      name: 'attempt 3 doubles again',
      error: timeout(),
      attempt: 3,
      expected: { retry: true, delayMs: 400 },
    },
    {
      name: 'attempt 4 on a connection reset',
      error: new ConnectionError('CONNECTION_RESET', 'reset'),
      attempt: 4,
      expected: { retry: true, delayMs: 800 },
    },
    {
      name: 'attempt 5 is capped at maxMs',
      error: timeout(),
      attempt: 5,
      expected: { retry: true, delayMs: 1000 },
    },
    {
      name: 'factor 3',
      error: timeout(),
      attempt: 3,
      policy: { ...policy, backoff: { ...policy.backoff, factor: 3 } },
      expected: { retry: true, delayMs: 900 },
    },
    {
      name: 'cap far below the exponential value',
      error: timeout(),
      attempt: 20,
      policy: { ...policy, retries: 100 },
      expected: { retry: true, delayMs: 1000 },
    },
    // Jitter: between half and all of the computed delay.
    {
      name: 'jitter, random 0 → half',
      error: timeout(),
      attempt: 1,
      random: 0,
      policy: jittered,
      expected: { retry: true, delayMs: 50 },
    },
    {
      name: 'jitter, random 0.999 → just under full',
      error: timeout(),
      attempt: 1,
      random: 0.999,
      policy: jittered,
      expected: { retry: true, delayMs: 100 },
    },
    {
      name: 'jitter, random 0.5 → three quarters',
      error: timeout(),
      attempt: 3,
      random: 0.5,
      policy: jittered,
      expected: { retry: true, delayMs: 300 },
    },
    {
      name: 'jitter on a capped delay, random 0',
      error: timeout(),
      attempt: 5,
      random: 0,
      policy: jittered,
      expected: { retry: true, delayMs: 500 },
    },
    // Retry-After on 429/503.
    {
      name: '429 with Retry-After seconds',
      error: status(429, '3'),
      attempt: 1,
      expected: { retry: true, delayMs: 3000, fromRetryAfter: true },
    },
    {
      name: '429 Retry-After ignores jitter',
      error: status(429, '3'),
      attempt: 1,
      random: 0,
      policy: jittered,
      expected: { retry: true, delayMs: 3000, fromRetryAfter: true },
    },
    {
      name: '503 with Retry-After HTTP-date',
      error: status(503, 'Wed, 21 Oct 2015 07:28:10 GMT'),
      attempt: 2,
      expected: { retry: true, delayMs: 10_000, fromRetryAfter: true },
    },
    {
      name: '503 with Retry-After date in the past retries at once',
      error: status(503, 'Wed, 21 Oct 2015 07:00:00 GMT'),
      attempt: 1,
      expected: { retry: true, delayMs: 0, fromRetryAfter: true },
    },
    {
      name: 'Retry-After exactly maxRetryAfterMs is honoured',
      error: status(429, '60'),
      attempt: 1,
      expected: { retry: true, delayMs: 60_000, fromRetryAfter: true },
    },
    {
      name: 'Retry-After above maxRetryAfterMs → no retry',
      error: status(429, '61'),
      attempt: 1,
      expected: { retry: false, reason: /61000 ms exceeds maxRetryAfterMs/ },
    },
    {
      name: 'Retry-After date above maxRetryAfterMs → no retry',
      error: status(503, 'Wed, 21 Oct 2015 08:28:00 GMT'),
      attempt: 1,
      expected: { retry: false, reason: /exceeds maxRetryAfterMs/ },
    },
    {
      name: '429 without Retry-After → backoff',
      error: status(429),
      attempt: 2,
      expected: { retry: true, delayMs: 200 },
    },
    {
      name: '503 with unreadable Retry-After → backoff',
      error: status(503, 'soon'),
      attempt: 3,
      expected: { retry: true, delayMs: 400 },
    },
    // Regression: a garbage Retry-After once read as a date made the item fail instead of backing off.
    {
      name: '429 with garbage Retry-After that V8 parses as a year → backoff',
      error: status(429, 'x 2099'),
      attempt: 2,
      expected: { retry: true, delayMs: 200 },
    },
    {
      name: '500 ignores Retry-After and backs off',
      error: status(500, '30'),
      attempt: 1,
      expected: { retry: true, delayMs: 100 },
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const decision: RetryDecision = decideRetry(
        {
          attempt: c.attempt,
          error: c.error,
          now: NOW,
          random: c.random ?? 0.5,
          ...(c.urls === undefined ? {} : { urls: c.urls }),
          ...(c.notHere === undefined ? {} : { notHere: c.notHere }),
        },
        c.policy ?? policy,
      );
      if (c.expected.retry) {
        assert.deepEqual(decision, c.expected);
      } else {
        assert.equal(decision.retry, false);
        assert.match((decision as { reason: string }).reason, c.expected.reason);
      }
    });
  }

  test('jittered delays stay within [full/2, full] for every attempt', () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const full = Math.min(1000, 100 * 2 ** (attempt - 1));
      for (const random of [0, 0.25, 0.5, 0.999]) {
        const d = decideRetry({ attempt, error: timeout(), now: NOW, random }, jittered);
        assert.equal(d.retry, true);
        const { delayMs } = d as { delayMs: number };
        assert.ok(delayMs >= full / 2 && delayMs <= full, `attempt ${attempt} random ${random}: ${delayMs}`);
      }
    }
  });
});
