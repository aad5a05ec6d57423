import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_OPTION_CHARS, MAX_OPTION_LINES, readAria2 } from '../../src/inputs/aria2.js';
import type { InputEntry } from '../../src/inputs/entry.js';
import type { InputFormat } from '../../src/inputs/index.js';
import { MAX_LINE_LENGTH, type Line } from '../../src/inputs/lines.js';
import { MAX_HEADERS, MAX_MIRRORS } from '../../src/inputs/validate.js';
import { brief, readBrief, type Brief } from './support.js';

/** Lines generated one at a time, never held together. */
async function* generated(count: number, lineAt: (n: number) => string): AsyncGenerator<Line> {
  for (let n = 1; n <= count; n++) yield { number: n, text: lineAt(n) };
}

const errors = (entries: Brief[]) => entries.filter((e) => 'error' in e);
const items = (entries: Brief[]) => entries.filter((e) => 'item' in e);

test('an aria2 item with 200k header= lines is dropped at the bound with file:line, and the next item is read', async () => {
  const total = 200_000;
  // Distinct names: before the bound, each one was held in memory.
  const lineAt = (n: number) =>
    n === 1 ? 'http://a/1' : n === total ? 'http://a/2' : `  header=X-H${n}: value`;
  const entries: InputEntry[] = [];
  for await (const entry of readAria2(generated(total, lineAt), 'big.aria2')) entries.push(entry);
  assert.deepEqual(entries.map(brief), [
    {
      error: `big.aria2:${MAX_HEADERS + 2}: more than ${MAX_HEADERS} headers for one item: the item of line 1 is dropped, and its further option lines are skipped`,
    },
    { line: total, item: { url: 'http://a/2' } },
  ]);
});

test('an aria2 item with more option lines than the bound is dropped once, whatever the lines say', async () => {
  const total = 200_000;
  // The same header again and again: a warning each time, until the bound.
  const lineAt = (n: number) => (n === 1 ? 'http://a/1' : n === total ? 'http://a/2' : '  header=X-Same: v');
  const entries = [];
  for await (const entry of readAria2(generated(total, lineAt), 'same.aria2')) entries.push(brief(entry));
  assert.equal(entries.length, MAX_OPTION_LINES - 1 + 2, 'warnings for lines 3..1001, one error, one item');
  assert.deepEqual(entries.slice(-2), [
    {
      error: `same.aria2:${MAX_OPTION_LINES + 2}: more than ${MAX_OPTION_LINES} option lines: the item of line 1 is dropped, and its further option lines are skipped`,
    },
    { line: total, item: { url: 'http://a/2' } },
  ]);
});

test('an aria2 item whose option lines hold more characters than the bound is dropped', async () => {
  const value = 'v'.repeat(100_000);
  const lines = ['http://a/1', ...Array.from({ length: 11 }, () => `  header=X-Big: ${value}`), 'http://a/2'];
  const entries = await readBrief('aria2', lines.join('\n'));
  assert.ok(11 * (value.length + 17) > MAX_OPTION_CHARS);
  assert.deepEqual(errors(entries), [
    {
      error: `<stdin>:12: option lines longer than ${MAX_OPTION_CHARS} characters in total: the item of line 1 is dropped, and its further option lines are skipped`,
    },
  ]);
  assert.deepEqual(items(entries), [{ line: 13, item: { url: 'http://a/2' } }]);
});

test('mirrors and headers per item are bounded in aria2 and JSON Lines', async () => {
  const mirrors = (n: number) => Array.from({ length: n }, (_, i) => `http://m${i}/x`);
  const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, 'v']));
  const cases: [string, InputFormat, string, Brief[]][] = [
    [
      'aria2: mirrors at the bound',
      'aria2',
      ['http://a/1', ...mirrors(MAX_MIRRORS)].join('\t'),
      [{ line: 1, item: { url: 'http://a/1', mirrors: mirrors(MAX_MIRRORS) } }],
    ],
    [
      'aria2: one mirror too many',
      'aria2',
      `${['http://a/1', ...mirrors(MAX_MIRRORS + 1)].join('\t')}\n  out=x\nhttp://a/2`,
      [
        { error: `<stdin>:1: more than ${MAX_MIRRORS} mirrors for one item` },
        { line: 3, item: { url: 'http://a/2' } },
      ],
    ],
    [
      'JSON Lines: one mirror too many',
      'jsonl',
      `${JSON.stringify({ url: 'http://a/1', mirrors: mirrors(MAX_MIRRORS + 1) })}\n{"url":"http://a/2"}`,
      [
        { error: `<stdin>:1: more than ${MAX_MIRRORS} mirrors for one item` },
        { line: 2, item: { url: 'http://a/2' } },
      ],
    ],
    [
      'JSON Lines: headers at the bound',
      'jsonl',
      JSON.stringify({ url: 'http://a/1', headers: headers(MAX_HEADERS) }),
      [{ line: 1, item: { url: 'http://a/1', headers: headers(MAX_HEADERS) } }],
    ],
    [
      'JSON Lines: one header too many',
      'jsonl',
      `${JSON.stringify({ url: 'http://a/1', headers: headers(MAX_HEADERS + 1) })}\n{"url":"http://a/2"}`,
      [
        { error: `<stdin>:1: more than ${MAX_HEADERS} headers for one item` },
        { line: 2, item: { url: 'http://a/2' } },
      ],
    ],
  ];
  for (const [name, format, text, expected] of cases)
    assert.deepEqual(await readBrief(format, text), expected, name);
});

test('a line longer than the bound is one error naming file:line in every format, and the next line is read', async () => {
  const long = 'x'.repeat(MAX_LINE_LENGTH + 5);
  const reason = `line is longer than ${MAX_LINE_LENGTH} characters (starts "${'x'.repeat(40)}"); skipped`;
  const spaced = ` ${long}`;
  const spacedReason = `line is longer than ${MAX_LINE_LENGTH} characters (starts " ${'x'.repeat(39)}"); skipped`;
  const cases: [InputFormat, string, Brief[]][] = [
    [
      'txt',
      `${long}\nhttp://a/2`,
      [{ error: `<stdin>:1: ${reason}` }, { line: 2, item: { url: 'http://a/2' } }],
    ],
    [
      'jsonl',
      `${long}\n{"url":"http://a/2"}`,
      [{ error: `<stdin>:1: ${reason}` }, { line: 2, item: { url: 'http://a/2' } }],
    ],
    [
      'csv',
      `url\n"http://a/1\n${long}\nhttp://a/2`,
      [
        { error: '<stdin>:2: a quoted field is not closed' },
        { error: `<stdin>:3: ${reason}` },
        { line: 4, item: { url: 'http://a/2' } },
      ],
    ],
    [
      'aria2',
      `${long}\n  out=x\nhttp://a/2`,
      [{ error: `<stdin>:1: ${reason}` }, { line: 3, item: { url: 'http://a/2' } }],
    ],
    [
      'aria2',
      `http://a/1\n${spaced}\nhttp://a/2`,
      [{ error: `<stdin>:2: ${spacedReason}` }, { line: 3, item: { url: 'http://a/2' } }],
    ],
  ];
  for (const [format, text, expected] of cases)
    assert.deepEqual(await readBrief(format, text), expected, format);
});
