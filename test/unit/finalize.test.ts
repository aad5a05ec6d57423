import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { numberedName } from '../../src/storage/finalize.js';

describe('numberedName', () => {
  const cases: Array<{ name: string; input: string; n: number; expected: string }> = [
    { name: 'simple extension', input: '/d/report.pdf', n: 1, expected: '/d/report.1.pdf' },
    { name: 'double extension', input: '/d/x.tar.gz', n: 1, expected: '/d/x.1.tar.gz' },
    { name: 'higher number', input: '/d/x.tar.gz', n: 12, expected: '/d/x.12.tar.gz' },
    { name: 'no extension', input: '/d/README', n: 1, expected: '/d/README.1' },
    { name: 'hidden file', input: '/d/.hidden', n: 1, expected: '/d/.hidden.1' },
    { name: 'hidden file with extension', input: '/d/.config.json', n: 2, expected: '/d/.config.2.json' },
    { name: 'nested folders kept', input: '/d/a/b/c.txt', n: 3, expected: '/d/a/b/c.3.txt' },
    {
      name: 'dots in a folder name are not an extension',
      input: '/d/v1.2/file',
      n: 1,
      expected: '/d/v1.2/file.1',
    },
    { name: 'relative path', input: 'x.txt', n: 1, expected: 'x.1.txt' },
    { name: 'doubled dot', input: '/d/file..txt', n: 1, expected: '/d/file.1..txt' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(numberedName(c.input, c.n), c.expected);
    });
  }
});
