import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { AbortedError, InputError, InvalidOptionError } from '../../src/errors/index.js';
import { readInput, type InputEntry, type InputFormat } from '../../src/inputs/index.js';
import { tempDir } from '../helpers/fs.js';
import { brief, collect, stdinOf, withTimeout, type Brief } from './support.js';

let dir: string;
before(async () => {
  dir = await tempDir('parafetch-inputs-');
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function file(name: string, data: string | Buffer): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, data);
  return p;
}

async function readFileBrief(p: string, format?: InputFormat): Promise<Brief[]> {
  return (await withTimeout(collect(readInput(p, format ? { format } : {})), 5000, p)).map(brief);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

const ONE_OF_EACH: Record<InputFormat, string> = {
  txt: 'http://a/1 one.bin\n',
  aria2: 'http://a/1\n  out=one.bin\n',
  csv: 'url,path\nhttp://a/1,one.bin\n',
  tsv: 'url\tpath\nhttp://a/1\tone.bin\n',
  jsonl: '{"url":"http://a/1","path":"one.bin"}\n',
};

test('files: the format comes from the name, entries name the file', async () => {
  const cases: [name: string, format: InputFormat, line: number][] = [
    ['list.txt', 'txt', 1],
    ['in.aria2', 'aria2', 1],
    ['t.csv', 'csv', 2],
    ['t.tsv', 'tsv', 2],
    ['t.ndjson', 'jsonl', 1],
  ];
  for (const [name, format, line] of cases) {
    const p = await file(name, ONE_OF_EACH[format]);
    const entries = await collect(readInput(p));
    assert.deepEqual(
      entries,
      [{ kind: 'item', item: { url: 'http://a/1', path: 'one.bin' }, source: p, line }],
      name,
    );
  }
});

test('files: a forced format wins over the name', async () => {
  const p = await file('looks-like.txt', ONE_OF_EACH.jsonl);
  assert.deepEqual(await readFileBrief(p, 'jsonl'), [
    { line: 1, item: { url: 'http://a/1', path: 'one.bin' } },
  ]);
  assert.deepEqual(await readFileBrief(p), [
    { error: `${p}:1: invalid URL ${JSON.stringify(ONE_OF_EACH.jsonl.trim().split(/\s+/)[0])}` },
  ]);
});

test('gzip: recognised by the magic bytes, with or without .gz in the name, in every format', async () => {
  for (const format of ['txt', 'aria2', 'csv', 'tsv', 'jsonl'] as const) {
    const named = await file(`named.${format === 'txt' ? 'list' : format}.gz`, gzipSync(ONE_OF_EACH[format]));
    const misnamed = await file(
      `misnamed-${format}.${format === 'aria2' ? 'aria2.txt' : format}`,
      gzipSync(ONE_OF_EACH[format]),
    );
    for (const p of [named, misnamed]) {
      const entries = await readFileBrief(p);
      assert.equal(entries.length, 1, p);
      assert.deepEqual((entries[0] as { item: unknown }).item, { url: 'http://a/1', path: 'one.bin' }, p);
    }
  }
  const multiMember = await file(
    'two.txt.gz',
    Buffer.concat([gzipSync('http://a/1\n'), gzipSync('http://a/2\n')]),
  );
  assert.deepEqual(await readFileBrief(multiMember), [
    { line: 1, item: { url: 'http://a/1' } },
    { line: 2, item: { url: 'http://a/2' } },
  ]);
});

test('gzip: corrupt or truncated data ends reading with an InputError', async () => {
  const whole = gzipSync('http://a/1\nhttp://a/2\n'.repeat(100));
  const truncated = await file('truncated.txt.gz', whole.subarray(0, whole.length - 10));
  const err = await rejection(collect(readInput(truncated)));
  assert.ok(err instanceof InputError, String(err));
  assert.match(
    err.message,
    /^.*truncated\.txt\.gz:\d+: cannot read: corrupt gzip data: unexpected end of file$/,
  );

  const garbage = await file('garbage.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  const err2 = await rejection(collect(readInput(garbage)));
  assert.ok(err2 instanceof InputError, String(err2));
  assert.match(err2.message, /garbage\.gz:1: cannot read: corrupt gzip data: /);
});

test('a file that cannot be opened is an InputError on line 0 from the iterator', async () => {
  const missing = path.join(dir, 'missing.txt');
  const iterable = readInput(missing); // no error before iterating
  const err = await rejection(collect(iterable));
  assert.ok(err instanceof InputError);
  assert.equal(err.code, 'INPUT_ERROR');
  assert.equal(err.line, 0);
  assert.match(err.message, /^.*missing\.txt:0: cannot open: ENOENT/);

  const err2 = await rejection(collect(readInput(dir)));
  assert.ok(err2 instanceof InputError);
  assert.equal(err2.message, `${dir}:0: cannot open: it is a directory`);
});

test('empty files and files without a final newline', async () => {
  assert.deepEqual(await readFileBrief(await file('empty.txt', '')), []);
  assert.deepEqual(await readFileBrief(await file('empty.csv', '')), []);
  assert.deepEqual(await readFileBrief(await file('nonl.jsonl', '\uFEFF{"url":"http://a/1"}')), [
    { line: 1, item: { url: 'http://a/1' } },
  ]);
});

test('stdin: `-` reads options.stdin, plain or gzipped, as txt unless told', async () => {
  assert.deepEqual((await collect(readInput('-', { stdin: stdinOf('http://a/1\n') }))).map(brief), [
    { line: 1, item: { url: 'http://a/1' } },
  ]);
  const entries = await collect(
    readInput('-', { stdin: stdinOf(gzipSync('{"url":"http://a/1"}\nnope\n')), format: 'jsonl' }),
  );
  assert.deepEqual(entries[0], { kind: 'item', item: { url: 'http://a/1' }, source: '<stdin>', line: 1 });
  assert.ok(entries[1]?.kind === 'error');
  assert.equal(entries[1].error.source, '<stdin>');
  assert.equal(entries[1].error.line, 2);

  const strings = new PassThrough({ encoding: 'utf8' });
  strings.end('http://a/€\n');
  assert.deepEqual((await collect(readInput('-', { stdin: strings }))).map(brief), [
    { line: 1, item: { url: 'http://a/€' } },
  ]);
});

/** The first entry of `format` while the input stays open, then the input is closed by `return`. */
async function firstEntryOfOpenInput(format: InputFormat, data: string | Buffer): Promise<InputEntry> {
  const stdin = new PassThrough();
  stdin.write(data);
  const iterator = readInput('-', { format, stdin })[Symbol.asyncIterator]();
  const first = await withTimeout(iterator.next(), 2000, `first ${format} entry`);
  assert.equal(first.done, false);
  await withTimeout(Promise.resolve(iterator.return?.()), 2000, `${format} return`);
  assert.equal(stdin.destroyed, true, 'the input is closed when iteration stops early');
  return first.value as InputEntry;
}

test('laziness: the first item arrives while the input is still open, in every format', async () => {
  const inputs: Record<InputFormat, string> = {
    txt: 'http://a/1\n',
    aria2: 'http://a/1\n  out=x\nhttp://a/2\n', // options end at the next URL line
    csv: 'url\nhttp://a/1\n',
    tsv: 'url\nhttp://a/1\n',
    jsonl: '{"url":"http://a/1"}\n',
  };
  for (const [format, data] of Object.entries(inputs) as [InputFormat, string][]) {
    const entry = await firstEntryOfOpenInput(format, data);
    assert.equal(entry.kind === 'item' && entry.item.url, 'http://a/1', format);
  }
});

test('laziness: gzip data is decompressed as it arrives', async () => {
  const stdin = new PassThrough();
  const gzip = createGzip();
  gzip.pipe(stdin);
  gzip.write('http://a/1\n');
  gzip.flush(constants.Z_SYNC_FLUSH);
  const iterator = readInput('-', { stdin })[Symbol.asyncIterator]();
  const first = await withTimeout(iterator.next(), 2000, 'first gzip entry');
  assert.deepEqual(brief(first.value as InputEntry), { line: 1, item: { url: 'http://a/1' } });
  await iterator.return?.();
  gzip.destroy();
});

test('memory: reading stays a bounded distance behind a long input, in every format', async () => {
  const total = 50_000;
  const rows: Record<InputFormat, [header: string, row: (i: number) => string]> = {
    txt: ['', (i) => `http://a/${i} f/${i}\n`],
    aria2: ['', (i) => `http://a/${i}\n  out=f/${i}\n`],
    csv: ['url,path\n', (i) => `http://a/${i},f/${i}\n`],
    tsv: ['url\tpath\n', (i) => `http://a/${i}\tf/${i}\n`],
    jsonl: ['', (i) => `{"url":"http://a/${i}","path":"f/${i}"}\n`],
  };
  for (const [format, [header, row]] of Object.entries(rows) as [InputFormat, (typeof rows)['txt']][]) {
    let produced = 0;
    async function* produce() {
      yield header;
      while (produced < total) {
        let chunk = '';
        for (let i = 0; i < 100; i += 1) chunk += row((produced += 1));
        yield chunk;
      }
    }
    let consumed = 0;
    let maxAhead = 0;
    for await (const entry of readInput('-', { format, stdin: Readable.from(produce()) })) {
      assert.equal(entry.kind, 'item');
      consumed += 1;
      maxAhead = Math.max(maxAhead, produced - consumed);
    }
    assert.equal(consumed, total, format);
    assert.ok(maxAhead < 2_000, `${format}: read ${maxAhead} rows ahead of the consumer`);
  }
});

test('abort: a pending read ends with an AbortedError and the input is closed', async () => {
  const stdin = new PassThrough();
  stdin.write('http://a/1\n');
  const controller = new AbortController();
  const iterator = readInput('-', { stdin, signal: controller.signal })[Symbol.asyncIterator]();
  assert.equal((await withTimeout(iterator.next(), 2000, 'first')).done, false);
  const pending = iterator.next(); // the input has nothing more yet
  controller.abort();
  const err = await withTimeout(rejection(pending), 2000, 'abort');
  assert.ok(err instanceof AbortedError, String(err));
  assert.equal(err.code, 'ABORTED');
  assert.equal(stdin.destroyed, true);

  const already = AbortSignal.abort();
  const err2 = await rejection(collect(readInput('-', { stdin: stdinOf('http://a/1\n'), signal: already })));
  assert.ok(err2 instanceof AbortedError);
});

test('abort: reading stops between entries of data that is already there', async () => {
  const controller = new AbortController();
  const seen: InputEntry[] = [];
  const err = await rejection(
    (async () => {
      for await (const entry of readInput('-', {
        stdin: stdinOf('http://a/1\nhttp://a/2\nhttp://a/3\n'),
        signal: controller.signal,
      })) {
        seen.push(entry);
        controller.abort();
      }
    })(),
  );
  assert.ok(err instanceof AbortedError);
  assert.equal(seen.length, 1);
});

test('options are checked when readInput is called', () => {
  const cases: [() => unknown, string][] = [
    [() => readInput('', {}), 'Expected `source` to be a file path or "-" for stdin, got `""` (string)'],
    [
      () => readInput('x', { format: 'json' as InputFormat }),
      'Expected `format` to be one of "txt", "aria2", "csv", "tsv", "jsonl", got `"json"` (string)',
    ],
    [
      () => readInput('x', { formta: 'csv' } as never),
      'Expected `formta` to be one of the options format, stdin, signal, got `undefined` (undefined)',
    ],
    [
      () => readInput('-', { stdin: 'text' as never }),
      'Expected `stdin` to be a readable stream, got `"text"` (string)',
    ],
    [
      () => readInput('-', { signal: {} as never }),
      'Expected `signal` to be an AbortSignal, got `{}` (object)',
    ],
  ];
  for (const [call, message] of cases) {
    assert.throws(
      call,
      (err: unknown) => err instanceof InvalidOptionError && err.message === message,
      message,
    );
  }
});
