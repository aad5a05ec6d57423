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

test('splitLines: a line longer than the limit is yielded as overlong, with its start only, and reading goes on', async () => {
  const read = (parts: string[]) => collect(splitLines(chunksOf(parts), 'big.txt', 10));
  const long = (number: number, text: string): Line => ({ number, text, overlong: true });
  const cases: [string, string[], Line[]][] = [
    [
      'across chunks, then a normal line',
      ['ok\n', 'x'.repeat(6), 'y'.repeat(6), 'z'.repeat(50), '\nnext\n'],
      lines('ok').concat([long(2, 'x'.repeat(6) + 'y'.repeat(6))], [{ number: 3, text: 'next' }]),
    ],
    [
      'one past the limit, in one chunk',
      ['0123456789a\nb'],
      [long(1, '0123456789a'), { number: 2, text: 'b' }],
    ],
    ['one past the limit, last line without newline', ['0123456789a'], [long(1, '0123456789a')]],
    ['one past the limit with CRLF', ['0123456789a\r\n'], [long(1, '0123456789a')]],
    [
      'two overlong lines in a row',
      ['a'.repeat(60) + '\n' + 'b'.repeat(60)],
      [long(1, 'a'.repeat(40)), long(2, 'b'.repeat(40))],
    ],
    // Exactly at the limit is fine, also with a CR before the LF.
    ['exactly at the limit', ['0123456789\r\n0123456789'], lines('0123456789', '0123456789')],
  ];
  for (const [name, parts, expected] of cases) assert.deepEqual(await read(parts), expected, name);
});

test('splitLines: an overlong line is not held, however long it is', async () => {
  // 64 MiB without a newline, in 1 MiB chunks: only the line's first characters are kept.
  async function* endless(): AsyncGenerator<Buffer> {
    const chunk = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 64; i++) yield chunk;
    yield Buffer.from('\nafter\n');
  }
  const seen: Line[] = [];
  for await (const line of splitLines(endless(), 'f', 1000)) seen.push(line);
  assert.deepEqual(seen, [
    { number: 1, text: 'x'.repeat(40), overlong: true },
    { number: 2, text: 'after' },
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
