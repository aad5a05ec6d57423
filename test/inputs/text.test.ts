import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTextLine } from '../../src/inputs/text.js';
import { readBrief, type Brief } from './support.js';

test('parseTextLine: URL, optional path, comments, blanks', () => {
  const cases: [string, ReturnType<typeof parseTextLine>][] = [
    ['', undefined],
    ['   \t ', undefined],
    ['# comment', undefined],
    ['   # indented comment', undefined],
    ['http://a/x', { ok: true, item: { url: 'http://a/x' } }],
    ['  http://a/x \t', { ok: true, item: { url: 'http://a/x' } }],
    ['http://a/x\tsub/x.bin', { ok: true, item: { url: 'http://a/x', path: 'sub/x.bin' } }],
    ['http://a/x   #1.bin', { ok: true, item: { url: 'http://a/x', path: '#1.bin' } }],
    ['http://a/x#frag', { ok: true, item: { url: 'http://a/x#frag' } }],
    ['http://a/x p q', { ok: false, reason: 'expected a URL and an optional path, got 3 fields' }],
    ['http://a/x p # note', { ok: false, reason: 'expected a URL and an optional path, got 4 fields' }],
    ['www.example.com/x', { ok: false, reason: 'invalid URL "www.example.com/x"' }],
    ['ftp://a/x', { ok: false, reason: 'unsupported URL scheme "ftp:" in "ftp://a/x": only http and https' }],
    [
      '  out=x.bin',
      { ok: false, reason: 'invalid URL "out=x.bin" (an aria2c option line? read the file as format aria2)' },
    ],
  ];
  for (const [line, expected] of cases) assert.deepEqual(parseTextLine(line), expected, JSON.stringify(line));
});

test('plain text lists: items and errors carry their line numbers, reading goes on', async () => {
  const cases: [string, string, Brief[]][] = [
    ['empty', '', []],
    [
      'mixed',
      [
        '# my downloads',
        'http://a/1',
        '',
        '  https://a/2   two.bin  ',
        'not a url',
        'ftp://a/3',
        'http://a/4 x y',
        'http://a/5\r',
        'http://a/6',
      ].join('\n'),
      [
        { line: 2, item: { url: 'http://a/1' } },
        { line: 4, item: { url: 'https://a/2', path: 'two.bin' } },
        { error: '<stdin>:5: expected a URL and an optional path, got 3 fields' },
        { error: '<stdin>:6: unsupported URL scheme "ftp:" in "ftp://a/3": only http and https' },
        { error: '<stdin>:7: expected a URL and an optional path, got 3 fields' },
        { line: 8, item: { url: 'http://a/5' } },
        { line: 9, item: { url: 'http://a/6' } },
      ],
    ],
    [
      'CRLF file',
      'http://a/1\r\n\r\nhttp://a/2 b\r\n',
      [
        { line: 1, item: { url: 'http://a/1' } },
        { line: 3, item: { url: 'http://a/2', path: 'b' } },
      ],
    ],
  ];
  for (const [name, input, expected] of cases)
    assert.deepEqual(await readBrief('txt', input), expected, name);
});
