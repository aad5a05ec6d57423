import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { countItems, readInput } from '../../src/inputs/index.js';
import { tempDir } from '../helpers/fs.js';
import { collect, withTimeout } from './support.js';

let dir: string;
before(async () => {
  dir = await tempDir('parafetch-count-');
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function file(name: string, data: string | Buffer): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, data);
  return p;
}

/** What the streaming read yields as items: the count must say the same. */
async function itemsRead(p: string): Promise<number> {
  const entries = await withTimeout(collect(readInput(p)), 10_000, p);
  return entries.filter((e) => e.kind === 'item').length;
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `http://a/${i}`).join('\n') + '\n';

test('the count of a local input is what its reading yields: comments, blank and malformed lines, CSV records over several lines, gzip', async () => {
  const cases: [string, string | Buffer, number][] = [
    ['list.txt', `# a comment\n\n${lines(2000)}not a url\n`, 2000],
    ['list.txt.gz', gzipSync(lines(2000)), 2000],
    ['list.aria2', 'http://a/1\n  out=one.bin\nhttp://a/2\n', 2],
    ['list.csv', 'url,path\nhttp://a/1,"two\nlines"\nhttp://a/2,b\n', 2],
    ['list.jsonl', '{"url":"http://a/1"}\n\n{"url":"http://a/2"}\n{"nope":1}\n', 2],
  ];
  for (const [name, data, expected] of cases) {
    const p = await file(name, data);
    assert.equal(await countItems(p), expected, name);
    assert.equal(await itemsRead(p), expected, name);
  }
});

test('only a regular file is counted: stdin, a FIFO and a missing file are not (undefined)', async () => {
  assert.equal(await countItems('-'), undefined);
  assert.equal(await countItems(path.join(dir, 'missing.txt')), undefined);
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // Counting must not open it: a FIFO read twice would lose what the other reader gets.
  assert.equal(await withTimeout(countItems(fifo), 5000, 'fifo'), undefined);
});

test('an aborted count ends at once, undefined', async () => {
  const p = await file('aborted.txt', lines(100));
  const controller = new AbortController();
  controller.abort();
  assert.equal(await countItems(p, { signal: controller.signal }), undefined);
});
