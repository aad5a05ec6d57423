import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors/index.js';
import { splitLines, type Line } from '../../src/inputs/lines.js';
import { collect } from './support.js';

async function* chunksOf(parts: readonly (string | Buffer)[], failWith?: Error): AsyncGenerator<Buffer> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
  if (failWith) throw failWith;
}

const lines = (...texts: string[]): Line[] => texts.map((text, i) => ({ number: i + 1, text }));

test('splitLines: terminators, chunk boundaries, BOM, last line', async () => {
  const euro = Buffer.from('€'); // 3 bytes, split across chunks below
  const cases: [string, (string | Buffer)[], Line[]][] = [
    ['empty input', [], []],
    ['one line without newline', ['a'], lines('a')],
    ['LF and CRLF', ['a\nb\r\nc\n'], lines('a', 'b', 'c')],
    ['blank lines keep their numbers', ['\n\na\n\n'], lines('', '', 'a', '')],
    ['a line across chunks', ['ab', 'c\nd', 'e'], lines('abc', 'de')],
    ['CRLF split between chunks', ['a\r', '\nb'], lines('a', 'b')],
    ['multi-byte character split between chunks', [euro.subarray(0, 1), euro.subarray(1), '\n'], lines('€')],
    ['byte order mark dropped on line 1 only', ['\uFEFFa\n\uFEFFb'], lines('a', '\uFEFFb')],
    ['a lone CR is not a terminator', ['a\rb\n'], lines('a\rb')],
  ];
  for (const [name, parts, expected] of cases) {
    assert.deepEqual(await collect(splitLines(chunksOf(parts), 'f')), expected, name);
  }
});

test('splitLines: a line longer than the limit ends reading with its line number', async () => {
  const error = await collect(
    splitLines(chunksOf(['ok\n', 'x'.repeat(6), 'y'.repeat(6), '\n']), 'big.txt', 10),
  ).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(error instanceof InputError);
  assert.equal(error.message, 'big.txt:2: line is longer than 10 characters; is this a text manifest?');
  assert.equal(error.line, 2);
  for (const parts of [['0123456789a\n'], ['0123456789a'], ['0123456789a\r\n']]) {
    await assert.rejects(
      collect(splitLines(chunksOf(parts), 'f', 10)),
      /f:1: line is longer than 10 characters/,
    );
  }
  // Exactly at the limit is fine, also with a CR before the LF.
  assert.deepEqual(await collect(splitLines(chunksOf(['0123456789\r\n0123456789']), 'f', 10)), [
    { number: 1, text: '0123456789' },
    { number: 2, text: '0123456789' },
  ]);
});

test('splitLines: a read error becomes an InputError naming the line being read', async () => {
  const iterator = splitLines(chunksOf(['a\nb\npart'], new Error('EIO: i/o error, read')), 'f.txt');
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const line of iterator) seen.push(line.text);
    })(),
    (err: unknown) =>
      err instanceof InputError && err.message === 'f.txt:3: cannot read: EIO: i/o error, read',
  );
  assert.deepEqual(seen, ['a', 'b']);
});
