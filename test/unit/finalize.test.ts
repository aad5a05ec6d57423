import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import path from 'node:path';
import { numberedName } from '../../src/storage/finalize.js';
import { MAX_NAME_BYTES } from '../../src/storage/safe-path.js';

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
    // Regression: numbering a name at the length limit made NAME.part too long.
    {
      name: 'a name at the limit is shortened to make room for its number',
      input: `/d/${'a'.repeat(236)}.txt`,
      n: 12,
      expected: `/d/${'a'.repeat(233)}.12.txt`,
    },
    {
      name: 'a name at the limit without extension',
      input: `/d/${'b'.repeat(240)}`,
      n: 7,
      expected: `/d/${'b'.repeat(238)}.7`,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = numberedName(c.input, c.n);
      assert.equal(out, c.expected);
      assert.ok(Buffer.byteLength(path.basename(out)) <= MAX_NAME_BYTES);
    });
  }
});
