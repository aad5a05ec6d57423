import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFormat, INPUT_FORMATS, isInputFormat, type InputFormat } from '../../src/inputs/index.js';

test('detectFormat: by extension, case-insensitive, .gz ignored, txt otherwise', () => {
  const cases: [string, InputFormat][] = [
    ['urls.txt', 'txt'],
    ['urls.list', 'txt'],
    ['urls', 'txt'],
    ['-', 'txt'],
    ['', 'txt'],
    ['archive.tar', 'txt'],
    ['urls.txt.gz', 'txt'],
    ['in.aria2', 'aria2'],
    ['in.aria2.txt', 'aria2'],
    ['IN.ARIA2.TXT.GZ', 'aria2'],
    ['aria2.txt', 'txt'],
    ['data.csv', 'csv'],
    ['DATA.CSV', 'csv'],
    ['data.csv.gz', 'csv'],
    ['data.tsv', 'tsv'],
    ['data.tsv.GZ', 'tsv'],
    ['items.jsonl', 'jsonl'],
    ['items.ndjson', 'jsonl'],
    ['items.ndjson.gz', 'jsonl'],
    ['items.json', 'txt'],
    ['dir.csv/urls', 'txt'],
    ['C:\\data\\urls.csv', 'csv'],
    ['/tmp/x.jsonl/y.tsv', 'tsv'],
    ['.csv', 'txt'],
    ['data.gz', 'txt'],
    ['data.csv.gz.gz', 'txt'],
  ];
  for (const [name, format] of cases) assert.equal(detectFormat(name), format, name);
});

test('isInputFormat accepts exactly the listed formats', () => {
  for (const format of INPUT_FORMATS) assert.equal(isInputFormat(format), true);
  for (const value of ['TXT', 'json', 'gz', '', undefined, null, 1])
    assert.equal(isInputFormat(value), false);
});
