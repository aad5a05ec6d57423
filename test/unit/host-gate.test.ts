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
  | { nextOpening: number; expected: number | undefined };

function run(limit: number, steps: Step[]) {
  const gate = new HostGate(limit);
  steps.forEach((step, i) => {
    const where = `step ${i}: ${JSON.stringify(step)}`;
    if ('enter' in step) gate.enter(step.enter);
    else if ('leave' in step) gate.leave(step.leave);
    else if ('pause' in step) gate.pause(step.pause, step.until);
    else if ('canStart' in step) assert.equal(gate.canStart(step.canStart, step.now), step.expected, where);
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
