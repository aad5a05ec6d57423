import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { DownloadItem } from '../../src/download/item.js';
import { createItemWriter, INPUT_FORMATS, readInput, type InputFormat } from '../../src/inputs/index.js';
import { tempDir } from '../helpers/fs.js';
import { collect, SHA, stdinOf, withTimeout } from './support.js';

let dir: string;
before(async () => {
  dir = await tempDir('parafetch-writer-');
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const ITEMS: Record<string, DownloadItem> = {
  plain: { url: 'http://a/1' },
  path: { url: 'https://a/2?x=1&y=2', path: 'sub/two.bin' },
  fragment: { url: 'http://a/3#part', path: '#3.bin' },
  folder: { url: 'http://a/4', path: 'folder/' },
  sha256: { url: 'http://a/5', path: 'five.bin', sha256: SHA },
  spacedPath: { url: 'http://a/6', path: 'my files/six.bin' },
  csvHostile: { url: 'http://a/7?q="x",y', path: 'a, "quoted"; name.bin' },
  tabbed: { url: 'http://a/8', path: 'tab\there.bin' },
  mirrors: { url: 'http://a/9', mirrors: ['https://m1/9', 'https://m2/9'] },
  headers: { url: 'http://a/10', headers: { Authorization: 'Bearer x:y', 'X-Empty': '' } },
  everything: {
    url: 'http://a/11',
    mirrors: ['https://m/11'],
    path: 'd/e/eleven.bin',
    sha256: SHA,
    headers: { Cookie: 'a=b; c=d' },
  },
};

/** The items each format cannot hold exactly. */
const LOSSY: Record<InputFormat, string[]> = {
  txt: ['sha256', 'spacedPath', 'csvHostile', 'tabbed', 'mirrors', 'headers', 'everything'],
  aria2: [],
  csv: ['mirrors', 'headers', 'everything'],
  tsv: ['mirrors', 'headers', 'everything'],
  jsonl: [],
};

const EXTENSION: Record<InputFormat, string> = {
  txt: 'txt',
  aria2: 'aria2',
  csv: 'csv',
  tsv: 'tsv',
  jsonl: 'jsonl',
};

/** What one writer writes of `items`, in order, and its end. */
function writeAll(
  format: InputFormat,
  items: readonly DownloadItem[],
): { text: string; losses: (string | undefined)[] } {
  const writer = createItemWriter(format);
  assert.equal(writer.format, format);
  const written = items.map((item) => writer.write(item));
  return { text: written.map((w) => w.line).join('') + writer.end(), losses: written.map((w) => w.loss) };
}

/** Writes `items` to a file named for `format`, reads it back, and checks that the items come back. */
async function roundTrip(format: InputFormat, items: readonly DownloadItem[], name: string): Promise<void> {
  const { text, losses } = writeAll(format, items);
  assert.deepEqual(
    losses,
    items.map(() => undefined),
    `${format}: ${text}`,
  );
  const file = path.join(dir, `${name}.${EXTENSION[format]}`);
  await fs.writeFile(file, text);
  const entries = await withTimeout(collect(readInput(file)), 5000, format);
  assert.deepEqual(
    entries.map((entry) => (entry.kind === 'item' ? entry.item : entry)),
    items,
    `${format}: ${text}`,
  );
}

test('round trip: reading what the writer wrote gives the same items, in every format', async () => {
  for (const format of INPUT_FORMATS) {
    const lossy = Object.keys(ITEMS).filter(
      (name) => createItemWriter(format).write(ITEMS[name] as DownloadItem).loss !== undefined,
    );
    assert.deepEqual(lossy, LOSSY[format], `${format}: items it cannot hold`);
    const items = Object.entries(ITEMS)
      .filter(([name]) => !lossy.includes(name))
      .map(([, item]) => item);
    await roundTrip(format, items, 'failed');
  }
});

test('round trip of keys and fields: CSV and TSV columns, JSON Lines properties', async () => {
  const strings: DownloadItem[] = [
    { url: 'http://a/1', key: 'shard/0001', fields: { caption: 'a, "b"', note: '', '#tag': 'x y' } },
    { url: 'http://a/2', path: 'p/2.jpg', fields: { caption: 'two\nlines', note: 'n', '#tag': '' } },
    { url: 'http://a/3', key: '3', sha256: SHA, fields: { caption: '', note: 'tab\there', '#tag': 'z' } },
  ];
  for (const format of ['csv', 'tsv', 'jsonl'] as const) await roundTrip(format, strings, 'fields');
  const scalars: DownloadItem[] = [
    { url: 'http://a/4', key: 'k/4', fields: { n: 640, ok: true, none: null, nested: '{"a":[1]}' } },
    { url: 'http://a/5', fields: JSON.parse('{"__proto__":"p","out":"o"}') as Record<string, string> },
  ];
  await roundTrip('jsonl', scalars, 'scalars');
  assert.equal(
    writeAll('csv', strings).text.split('\n')[0],
    'url,path,sha256,key,caption,note,"#tag"',
    'the first item gives the columns',
  );
});

test('lossy items: what cannot be held is named and left out, never breaking the line structure', async () => {
  const everything = ITEMS.everything as DownloadItem;
  const cases: [InputFormat, DownloadItem, string | undefined, string][] = [
    ['txt', everything, 'mirrors; sha256; headers', 'http://a/11 d/e/eleven.bin\n'],
    [
      'txt',
      { url: 'http://a/x y', path: 'p q' },
      'whitespace in url percent-encoded; path (whitespace or empty)',
      'http://a/x%20y\n',
    ],
    ['csv', everything, 'mirrors; headers', `url,path,sha256,key\nhttp://a/11,d/e/eleven.bin,${SHA},\n`],
    [
      'csv',
      { url: 'http://a/1', path: ' x\r' },
      'carriage returns (read back as line feeds); surrounding whitespace (trimmed on reading)',
      'url,path,sha256,key\nhttp://a/1," x\r",,\n',
    ],
    ['tsv', { url: 'http://a/1', path: '' }, 'empty path', 'url\tpath\tsha256\tkey\nhttp://a/1\t\t\t\n'],
    ['txt', { url: 'http://a/1', key: 'k', fields: { a: '' } }, 'key; fields', 'http://a/1\n'],
    ['aria2', { url: 'http://a/1', key: 'k' }, 'key', 'http://a/1\n'],
    [
      'csv',
      { url: 'http://a/1', fields: { URL: 'x', Key: 'k', ' pad': 'p', n: 5 } },
      'field "n" (not a string: read back as text); field "URL" (no column); field "Key" (no column); field " pad" (no column)',
      'url,path,sha256,key,n\nhttp://a/1,,,,5\n',
    ],
    [
      'jsonl',
      { url: 'http://a/1', fields: { headers: 'h', n: Number.NaN, o: {} as unknown as string, ok: 1 } },
      'field "headers" (a property parafetch reads); field "n" (not a string, finite number, boolean or null); field "o" (not a string, finite number, boolean or null)',
      '{"url":"http://a/1","ok":1}\n',
    ],
    [
      'jsonl',
      { url: 'http://a/1', fields: 'x' as unknown as Record<string, string> },
      'fields (not an object)',
      '{"url":"http://a/1"}\n',
    ],
    [
      'aria2',
      {
        url: 'http://a/1\tx',
        path: 'p\nheader=Evil: 1',
        sha256: 'a\nb',
        headers: { 'X-A': 'v\r\n  out=evil', 'X:B': 'v' },
      },
      'whitespace in a URI percent-encoded; path (line break, surrounding whitespace or empty); sha256; header "X-A"; header "X:B"',
      'http://a/1%09x\n',
    ],
    [
      'aria2',
      everything,
      undefined,
      `http://a/11\thttps://m/11\n  out=d/e/eleven.bin\n  checksum=sha-256=${SHA}\n  header=Cookie: a=b; c=d\n`,
    ],
    ['aria2', { url: 'http://a/1', path: 'dir/' }, undefined, 'http://a/1\n  dir=dir\n'],
    [
      'jsonl',
      everything,
      undefined,
      `${JSON.stringify({ url: 'http://a/11', mirrors: ['https://m/11'], path: 'd/e/eleven.bin', sha256: SHA, headers: { Cookie: 'a=b; c=d' } })}\n`,
    ],
  ];
  for (const [format, item, loss, line] of cases) {
    const written = createItemWriter(format).write(item);
    assert.equal(written.loss, loss, `${format} ${JSON.stringify(item)}`);
    assert.equal(written.line, line, `${format} ${JSON.stringify(item)}`);
  }
  // What a lossy line holds reads back as a subset of the item, never as something else.
  const entries = await collect(
    readInput('-', {
      format: 'aria2',
      stdin: stdinOf(
        createItemWriter('aria2').write(
          cases.find(([, item]) => item.url === 'http://a/1\tx')?.[1] as DownloadItem,
        ).line,
      ),
    }),
  );
  assert.deepEqual(
    entries.map((e) => e.kind === 'item' && e.item),
    [{ url: 'http://a/1%09x' }],
  );
});

test('headers: CSV and TSV have one, the other formats none; with no item, it comes at the end', () => {
  assert.deepEqual(
    INPUT_FORMATS.map((format) => createItemWriter(format).end()),
    ['', '', 'url,path,sha256,key\n', 'url\tpath\tsha256\tkey\n', ''],
  );
  const writer = createItemWriter('csv');
  assert.equal(writer.write({ url: 'http://a/1' }).line, 'url,path,sha256,key\nhttp://a/1,,,\n');
  assert.equal(writer.write({ url: 'http://a/2' }).line, 'http://a/2,,,\n');
  assert.equal(writer.end(), '');
});

test('CSV columns come from the first item: a later item names what does not fit them', () => {
  const { text, losses } = writeAll('csv', [
    { url: 'http://a/1', fields: { a: '1', b: '2' } },
    { url: 'http://a/2', key: 'k2', fields: { b: '3', c: '4' } },
    { url: 'http://a/3', key: 'k3', fields: { a: '', b: '' } },
  ]);
  assert.equal(text, 'url,path,sha256,key,a,b\nhttp://a/1,,,,1,2\nhttp://a/2,,,k2,,3\nhttp://a/3,,,k3,,\n');
  assert.deepEqual(losses, [
    undefined,
    'field "a" (absent: read back as ""); field "c" (no column)',
    undefined,
  ]);
  const plain = writeAll('tsv', [{ url: 'http://a/1' }, { url: 'http://a/2', key: 'k', fields: { a: 'x' } }]);
  assert.equal(plain.text, 'url\tpath\tsha256\tkey\nhttp://a/1\t\t\t\nhttp://a/2\t\t\tk\n');
  assert.deepEqual(plain.losses, [undefined, 'field "a" (no column)']);
});
