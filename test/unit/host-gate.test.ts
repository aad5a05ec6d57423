import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostGate, hostKey } from '../../src/engine/host-gate.js';

const A = 'https://a.example';
const B = 'https://b.example';

type Step =
  | { enter: string }
  | { leave: string }
  | { pause: string; until: number }
  | { canStart: string; now: number; expected: boolean }
  | { nextOpening: number; expected: number | undefined }
  /** A 429/503 of a request sent at `sentAt`; `pausedFor`: the pause it now has from `now`. */
  | { refused: string; now: number; sentAt: number; retryAfterMs?: number; pausedFor: number }
  | { answered: string }
  | { allowed: string; expected: number };

/** Pauses of 100, 200, 400, ... ms, at most 1 s. */
const SLOWDOWN = { baseMs: 100, maxMs: 1000, factor: 2 };

function run(limit: number, steps: Step[]) {
  const gate = new HostGate(limit, SLOWDOWN);
  steps.forEach((step, i) => {
    const where = `step ${i}: ${JSON.stringify(step)}`;
    if ('enter' in step) gate.enter(step.enter);
    else if ('leave' in step) gate.leave(step.leave);
    else if ('pause' in step) gate.pause(step.pause, step.until);
    else if ('canStart' in step) assert.equal(gate.canStart(step.canStart, step.now), step.expected, where);
    else if ('refused' in step) {
      assert.equal(
        gate.refused(step.refused, step.now, step.sentAt, step.retryAfterMs),
        step.pausedFor,
        where,
      );
    } else if ('answered' in step) gate.answered(step.answered);
    else if ('allowed' in step) assert.equal(gate.allowed(step.allowed), step.expected, where);
    else assert.equal(gate.nextOpening(step.nextOpening), step.expected, where);
  });
}

describe('HostGate', () => {
  const cases: Array<{ name: string; limit: number; steps: Step[] }> = [
    { name: 'an unseen host can start', limit: 1, steps: [{ canStart: A, now: 0, expected: true }] },
    {
      name: 'limit 1: full after one enter, open after leave',
      limit: 1,
      steps: [
        { enter: A },
        { canStart: A, now: 0, expected: false },
        { leave: A },
        { canStart: A, now: 0, expected: true },
      ],
    },
    {
      name: 'limit 2 admits two',
      limit: 2,
      steps: [
        { enter: A },
        { canStart: A, now: 0, expected: true },
        { enter: A },
        { canStart: A, now: 0, expected: false },
        { leave: A },
        { canStart: A, now: 0, expected: true },
      ],
    },
    {
      name: 'hosts are limited independently',
      limit: 1,
      steps: [
        { enter: A },
        { canStart: A, now: 0, expected: false },
        { canStart: B, now: 0, expected: true },
      ],
    },
    {
      name: 'a leave without enter does not raise the limit',
      limit: 1,
      steps: [{ leave: A }, { enter: A }, { canStart: A, now: 0, expected: false }],
    },
    {
      name: 'paused until a time: closed before, open at and after',
      limit: 4,
      steps: [
        { pause: A, until: 1000 },
        { canStart: A, now: 0, expected: false },
        { canStart: A, now: 999, expected: false },
        { canStart: B, now: 0, expected: true },
        { canStart: A, now: 1000, expected: true },
        { canStart: A, now: 5000, expected: true },
      ],
    },
    {
      name: 'a pause is not shortened by an earlier one',
      limit: 4,
      steps: [
        { pause: A, until: 2000 },
        { pause: A, until: 1000 },
        { canStart: A, now: 1500, expected: false },
        { nextOpening: 0, expected: 2000 },
      ],
    },
    {
      name: 'a pause is extended by a later one',
      limit: 4,
      steps: [
        { pause: A, until: 1000 },
        { pause: A, until: 3000 },
        { canStart: A, now: 2000, expected: false },
        { canStart: A, now: 3000, expected: true },
      ],
    },
    {
      name: 'a pause still applies when the host has free slots',
      limit: 4,
      steps: [
        { pause: A, until: 10 },
        { canStart: A, now: 5, expected: false },
      ],
    },
    {
      name: 'after a pause the slot limit still applies',
      limit: 1,
      steps: [
        { enter: A },
        { pause: A, until: 10 },
        { canStart: A, now: 20, expected: false },
        { leave: A },
        { canStart: A, now: 20, expected: true },
      ],
    },
    { name: 'nextOpening with nothing paused', limit: 1, steps: [{ nextOpening: 0, expected: undefined }] },
    {
      name: 'nextOpening is the earliest future pause',
      limit: 1,
      steps: [
        { pause: A, until: 3000 },
        { pause: B, until: 2000 },
        { nextOpening: 0, expected: 2000 },
        { nextOpening: 2000, expected: 3000 },
        { nextOpening: 3000, expected: undefined },
      ],
    },
    {
      name: 'nextOpening ignores pauses that have passed',
      limit: 1,
      steps: [
        { pause: A, until: 100 },
        { canStart: A, now: 200, expected: true },
        { nextOpening: 200, expected: undefined },
      ],
    },
    // An origin that refuses slows down (AIMD): fewer items at once, growing pauses.
    {
      name: 'regression: a 429 halves the items allowed at once and pauses the origin',
      limit: 16,
      steps: [
        { refused: A, now: 1000, sentAt: 990, pausedFor: 100 },
        { allowed: A, expected: 8 },
        { canStart: A, now: 1099, expected: false },
        { canStart: B, now: 1000, expected: true },
        { canStart: A, now: 1100, expected: true },
      ],
    },
    {
      name: 'refusals of requests already on their way at the cut count once',
      limit: 16,
      steps: [
        { refused: A, now: 1000, sentAt: 990, pausedFor: 100 },
        { refused: A, now: 1001, sentAt: 995, pausedFor: 99 },
        { refused: A, now: 1002, sentAt: 1000, pausedFor: 98 },
        { allowed: A, expected: 8 },
        { nextOpening: 1002, expected: 1100 },
      ],
    },
    {
      name: 'refusals in a row: halved down to 1, pauses doubling up to maxMs',
      limit: 16,
      steps: [
        { refused: A, now: 0, sentAt: 0, pausedFor: 100 },
        { refused: A, now: 100, sentAt: 100, pausedFor: 200 },
        { allowed: A, expected: 4 },
        { refused: A, now: 300, sentAt: 300, pausedFor: 400 },
        { refused: A, now: 700, sentAt: 700, pausedFor: 800 },
        { allowed: A, expected: 1 },
        { refused: A, now: 1500, sentAt: 1500, pausedFor: 1000 },
        { refused: A, now: 2500, sentAt: 2500, pausedFor: 1000 },
        { allowed: A, expected: 1 },
      ],
    },
    {
      name: 'a Retry-After sets the pause instead of the backoff; the items allowed are still halved',
      limit: 4,
      steps: [
        { refused: A, now: 0, sentAt: 0, retryAfterMs: 5000, pausedFor: 5000 },
        { allowed: A, expected: 2 },
        { canStart: A, now: 4999, expected: false },
        { canStart: A, now: 5000, expected: true },
      ],
    },
    {
      name: 'a Retry-After of a request sent before the cut still extends the pause',
      limit: 4,
      steps: [
        { refused: A, now: 10, sentAt: 0, pausedFor: 100 },
        { refused: A, now: 20, sentAt: 5, retryAfterMs: 3000, pausedFor: 3000 },
        { allowed: A, expected: 2 },
      ],
    },
    {
      name: 'the items allowed after a refusal limit what starts',
      limit: 4,
      steps: [
        { refused: A, now: 0, sentAt: 0, pausedFor: 100 },
        { enter: A },
        { enter: A },
        { canStart: A, now: 200, expected: false },
        { leave: A },
        { canStart: A, now: 200, expected: true },
      ],
    },
    {
      name: 'answers let one more item in each, back up to the limit, and end the run of refusals',
      limit: 4,
      steps: [
        { refused: A, now: 0, sentAt: 0, pausedFor: 100 },
        { refused: A, now: 100, sentAt: 100, pausedFor: 200 },
        { allowed: A, expected: 1 },
        { answered: A },
        { allowed: A, expected: 2 },
        { answered: A },
        { answered: A },
        { answered: A },
        { allowed: A, expected: 4 },
        // The run of refusals ended: the next pause is the first one again.
        { refused: A, now: 1000, sentAt: 1000, pausedFor: 100 },
      ],
    },
    {
      name: 'an answer of an origin never refused changes nothing',
      limit: 2,
      steps: [{ answered: A }, { allowed: A, expected: 2 }, { canStart: A, now: 0, expected: true }],
    },
    {
      name: 'one origin refusing does not slow another',
      limit: 8,
      steps: [
        { refused: A, now: 0, sentAt: 0, pausedFor: 100 },
        { allowed: B, expected: 8 },
        { canStart: B, now: 1, expected: true },
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => run(c.limit, c.steps));
  }
});

describe('hostKey', () => {
  const cases: Array<{ url: string; expected: string }> = [
    { url: 'https://example.com/a/b?c', expected: 'https://example.com' },
    { url: 'https://EXAMPLE.com:443/x', expected: 'https://example.com' },
    { url: 'http://example.com:8080/x', expected: 'http://example.com:8080' },
    { url: 'http://example.com/x', expected: 'http://example.com' },
    { url: 'http://user:pw@example.com/x', expected: 'http://example.com' },
    { url: 'http://[::1]:3000/', expected: 'http://[::1]:3000' },
    { url: 'not a url', expected: '' },
    { url: '', expected: '' },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.url), () => {
      assert.equal(hostKey(c.url), c.expected);
    });
  }

  test('http and https of one host are different keys', () => {
    assert.notEqual(hostKey('http://example.com/'), hostKey('https://example.com/'));
  });
});
