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

test('round trip: reading what the writer wrote gives the same items, in every format', async () => {
  for (const format of INPUT_FORMATS) {
    const writer = createItemWriter(format);
    assert.equal(writer.format, format);
    const lossy = Object.keys(ITEMS).filter((name) => writer.loss(ITEMS[name] as DownloadItem) !== undefined);
    assert.deepEqual(lossy, LOSSY[format], `${format}: items it cannot hold`);
    const items = Object.entries(ITEMS)
      .filter(([name]) => !lossy.includes(name))
      .map(([, item]) => item);
    const file = path.join(dir, `failed.${EXTENSION[format]}`);
    await fs.writeFile(file, writer.header() + items.map((item) => writer.line(item)).join(''));
    const entries = await withTimeout(collect(readInput(file)), 5000, format);
    assert.deepEqual(
      entries.map((entry) => (entry.kind === 'item' ? entry.item : entry)),
      items,
      `${format}: ${await fs.readFile(file, 'utf8')}`,
    );
  }
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
    ['csv', everything, 'mirrors; headers', `http://a/11,d/e/eleven.bin,${SHA}\n`],
    [
      'csv',
      { url: 'http://a/1', path: ' x\r' },
      'carriage returns (read back as line feeds); surrounding whitespace (trimmed on reading)',
      'http://a/1," x\r",\n',
    ],
    ['tsv', { url: 'http://a/1', path: '' }, 'empty path', 'http://a/1\t\t\n'],
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
    const writer = createItemWriter(format);
    assert.equal(writer.loss(item), loss, `${format} ${JSON.stringify(item)}`);
    assert.equal(writer.line(item), line, `${format} ${JSON.stringify(item)}`);
  }
  // What a lossy line holds reads back as a subset of the item, never as something else.
  const entries = await collect(
    readInput('-', {
      format: 'aria2',
      stdin: stdinOf(createItemWriter('aria2').line(cases[5]?.[1] as DownloadItem)),
    }),
  );
  assert.deepEqual(
    entries.map((e) => e.kind === 'item' && e.item),
    [{ url: 'http://a/1%09x' }],
  );
});

test('headers: CSV and TSV have one, the other formats none', () => {
  assert.deepEqual(
    INPUT_FORMATS.map((format) => createItemWriter(format).header()),
    ['', '', 'url,path,sha256\n', 'url\tpath\tsha256\n', ''],
  );
});
