import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findColumns, recordStartLine } from '../../src/inputs/csv.js';
import { MAX_LINE_LENGTH } from '../../src/inputs/lines.js';
import { readBrief, SHA, type Brief } from './support.js';

test('findColumns: url required, path or else out, sha256, key; case-insensitive, trimmed; the rest are fields', () => {
  const none = { path: undefined, sha256: undefined, key: undefined, fields: [], ignored: [] };
  const cases: [string[], ReturnType<typeof findColumns>][] = [
    [['url'], { ...none, url: 0 }],
    [[' URL ', 'Path', 'SHA256', ' Key'], { ...none, url: 0, path: 1, sha256: 2, key: 3 }],
    [
      ['id', 'out', 'url', 'size'],
      {
        ...none,
        url: 2,
        path: 1,
        fields: [
          { name: 'id', at: 0 },
          { name: 'size', at: 3 },
        ],
      },
    ],
    [['out', 'url', 'path'], { ...none, url: 1, path: 2, fields: [{ name: 'out', at: 0 }] }],
    [['url', 'url'], { ...none, url: 0, ignored: ['url'] }],
    [
      ['KEY', 'url', ' caption ', 'caption', 'Caption', '', 'key', 'Out', 'out', 'URL'],
      {
        ...none,
        url: 1,
        path: 7,
        key: 0,
        fields: [
          { name: 'caption', at: 2 },
          { name: 'Caption', at: 4 },
        ],
        ignored: ['caption', '', 'key', 'out', 'URL'],
      },
    ],
    [['link', 'path'], undefined],
    [['http://a/1'], undefined],
  ];
  for (const [header, expected] of cases) assert.deepEqual(findColumns(header), expected, header.join());
});

test('recordStartLine: skipped blank and comment lines and the terminator do not count', () => {
  const cases: [number, string, number][] = [
    [1, 'url\n', 1],
    [3, 'a,b', 3],
    [5, '# c1\n\n# c2\nhttp://a,b\n', 5],
    [10, '\n\n"x\n\ny",z\n', 8],
    [7, '"a\n#not a comment",b\n', 6],
  ];
  for (const [end, raw, start] of cases) assert.equal(recordStartLine(end, raw), start, JSON.stringify(raw));
});

test('CSV: header row, quoted fields, line numbers of bad rows', async () => {
  const input = [
    'URL,Path,sha256,size', // 1
    'http://a/1,one.bin,,10', // 2
    '', // 3
    '# a comment', // 4
    `"http://a/5","dir, with comma/""q"".bin",${SHA.toUpperCase()}`, // 5
    '"http://a/6","multi', // 6
    'line"', // 7
    ',,', // 8
    ',x.bin', // 9
    'not a url,x', // 10
    `http://a/11,,${SHA.slice(2)}`, // 11
    '  http://a/12  ,  spaced.bin  ', // 12
    'http://a/13', // 13: fewer columns
    'http://a/14,a,,9,extra', // 14: more columns
    '"http://a/15" x,y', // 15: text after a closing quote
    'http://a/16,"unclosed', // 16
    'http://a/17,z', // 17
  ].join('\n');
  const size = (size: string) => ({ fields: { size } });
  const expected: Brief[] = [
    { line: 2, item: { url: 'http://a/1', path: 'one.bin', ...size('10') } },
    { line: 5, item: { url: 'http://a/5', path: 'dir, with comma/"q".bin', sha256: SHA, ...size('') } },
    { line: 6, item: { url: 'http://a/6', path: 'multi\nline', ...size('') } },
    { error: '<stdin>:9: no url in this row' },
    { error: '<stdin>:10: invalid URL "not a url"' },
    { error: `<stdin>:11: sha256 must be 64 hex digits, got "${SHA.slice(2)}"` },
    { line: 12, item: { url: 'http://a/12', path: 'spaced.bin', ...size('') } },
    { line: 13, item: { url: 'http://a/13', ...size('') } },
    { line: 14, item: { url: 'http://a/14', path: 'a', ...size('9') } },
    { error: '<stdin>:15: invalid URL "\\"http://a/15\\" x"' },
    { error: '<stdin>:16: a quoted field is not closed' },
  ];
  assert.deepEqual(await readBrief('csv', input), expected);
});

test('CSV: a key column names the item, the other columns are its fields as strings', async () => {
  const input = [
    'url,Key,caption,width,"note, quoted"', // 1
    'http://a/2,sample/0002,a cat,640,', // 2
    'http://a/3,,"two, lines', // 3
    'here",,x', // 4
    'http://a/5,bad.key,c,1,', // 5
    'http://a/6,/abs,c,1,', // 6
    'http://a/7,a//b,c,1,', // 7
    'http://a/8,back\\slash,c,1,', // 8
    `http://a/9,${'k'.repeat(201)},c,1,`, // 9
    'http://a/10,"  0010  ",  spaced  ,,', // 10
    'http://a/11', // 11: fewer columns
  ].join('\n');
  assert.deepEqual(await readBrief('csv', input), [
    {
      line: 2,
      item: {
        url: 'http://a/2',
        key: 'sample/0002',
        fields: { caption: 'a cat', width: '640', 'note, quoted': '' },
      },
    },
    {
      line: 3,
      item: { url: 'http://a/3', fields: { caption: 'two, lines\nhere', width: '', 'note, quoted': 'x' } },
    },
    {
      error:
        '<stdin>:5: invalid key "bad.key": it holds a "." (a WebDataset member name is split at its first dot)',
    },
    { error: '<stdin>:6: invalid key "/abs": it starts with "/"' },
    { error: '<stdin>:7: invalid key "a//b": it has an empty "/"-separated component' },
    { error: '<stdin>:8: invalid key "back\\\\slash": it holds a "\\"' },
    { error: `<stdin>:9: invalid key "${'k'.repeat(117)}...": it is longer than 200 characters` },
    {
      line: 10,
      item: { url: 'http://a/10', key: '0010', fields: { caption: 'spaced', width: '', 'note, quoted': '' } },
    },
    { line: 11, item: { url: 'http://a/11', fields: { caption: '', width: '', 'note, quoted': '' } } },
  ]);
});

test('CSV: repeated and unnamed columns are ignored with one warning; a field named __proto__ is a field', async () => {
  const input = ['url,id,__proto__,id,URL,', 'http://a/2,1,p,2,http://b/2,z'].join('\n');
  assert.deepEqual(await readBrief('csv', input), [
    { warning: '<stdin>:1: columns ignored (repeated or without a name): "id", "URL", ""' },
    {
      line: 2,
      item: { url: 'http://a/2', fields: JSON.parse('{"id":"1","__proto__":"p"}') as Record<string, string> },
    },
  ]);
});

test('CSV: stray quotes in unquoted fields are data, and the rows around them keep their lines', async () => {
  const input = ['url,path', 'http://a/2,ab"c', 'http://a/3,d"e', 'http://a/4,"f"', 'http://a/5,g""h'].join(
    '\n',
  );
  assert.deepEqual(await readBrief('csv', input), [
    { line: 2, item: { url: 'http://a/2', path: 'ab"c' } },
    { line: 3, item: { url: 'http://a/3', path: 'd"e' } },
    { line: 4, item: { url: 'http://a/4', path: 'f' } },
    { line: 5, item: { url: 'http://a/5', path: 'g""h' } },
  ]);
});

test('CSV: a header without url is one error and nothing is read', async () => {
  assert.deepEqual(await readBrief('csv', '# list\nhttp://a/1,x\nhttp://a/2,y\n'), [
    { error: '<stdin>:2: the header row has no url column: "http://a/1,x"' },
  ]);
  assert.deepEqual(await readBrief('csv', ''), []);
});

test('CSV: CRLF line ends, also inside quoted fields, keep line numbers exact', async () => {
  const input = 'url,path\r\n"http://a/2","x\r\ny"\r\n\r\nhttp://a/5,z\r\nbad,q\r\n';
  assert.deepEqual(await readBrief('csv', input), [
    { line: 2, item: { url: 'http://a/2', path: 'x\ny' } },
    { line: 5, item: { url: 'http://a/5', path: 'z' } },
    { error: '<stdin>:6: invalid URL "bad"' },
  ]);
});

test('TSV: tab-separated, commas are data, quotes as in CSV', async () => {
  const input = [
    'path\turl\tSHA256\tkey\tlabel',
    'a,b.bin\thttp://a/2\t\t\t',
    `"t\tab.bin"\thttp://a/3\t${SHA}\tk/3\t"x,y"`,
    'x\t\t',
    'y\thttp://a/5\t\tk.5\t',
  ].join('\n');
  assert.deepEqual(await readBrief('tsv', input), [
    { line: 2, item: { url: 'http://a/2', path: 'a,b.bin', fields: { label: '' } } },
    {
      line: 3,
      item: { url: 'http://a/3', path: 't\tab.bin', sha256: SHA, key: 'k/3', fields: { label: 'x,y' } },
    },
    { error: '<stdin>:4: no url in this row' },
    {
      error:
        '<stdin>:5: invalid key "k.5": it holds a "." (a WebDataset member name is split at its first dot)',
    },
  ]);
});

test('CSV: a quote that never closes costs one error and at most MAX_LINE_LENGTH of input', async () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => `http://a/f${i},${'z'.repeat(50)}`);
  const input = ['url,path', 'http://a/1,"unclosed', ...rows, 'http://a/ok,x'].join('\n');
  assert.ok(input.length > MAX_LINE_LENGTH);
  const entries = await readBrief('csv', input);
  const errors = entries.filter((e) => 'error' in e);
  assert.deepEqual(errors, [{ error: `<stdin>:2: a record is longer than ${MAX_LINE_LENGTH} characters` }]);
  const lines = entries.flatMap((e) => ('line' in e ? [e.line] : []));
  assert.ok(lines.length > 1000, `${lines.length} rows read after the broken one`);
  assert.deepEqual(entries.at(-1), { line: 20_003, item: { url: 'http://a/ok', path: 'x' } });
  lines.forEach((line, i) => assert.equal(line, (lines[0] as number) + i));
});
