import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinAria2Path } from '../../src/inputs/aria2.js';
import { readBrief, SHA, type Brief } from './support.js';

test('joinAria2Path: dir and out combine; dir alone names a folder', () => {
  const cases: [string | undefined, string | undefined, string | undefined][] = [
    [undefined, undefined, undefined],
    [undefined, 'a.bin', 'a.bin'],
    [undefined, 'sub/a.bin', 'sub/a.bin'],
    ['d', undefined, 'd/'],
    ['d/', undefined, 'd/'],
    ['d', 'a.bin', 'd/a.bin'],
    ['d/', 'a.bin', 'd/a.bin'],
    ['d/e', 'f/a.bin', 'd/e/f/a.bin'],
  ];
  for (const [dir, out, path] of cases) assert.equal(joinAria2Path(dir, out), path, `${dir} ${out}`);
});

test('aria2c input files: URIs, mirrors and options', async () => {
  const cases: [string, string, Brief[]][] = [
    [
      'URL lines only',
      'http://a/1\nhttp://a/2\n',
      [
        { line: 1, item: { url: 'http://a/1' } },
        { line: 2, item: { url: 'http://a/2' } },
      ],
    ],
    [
      'mirrors, every understood option, comments and blank lines inside a block',
      [
        '# aria2c -i',
        'http://a/1\thttps://b/1\t\thttp://c/1',
        '  dir=downloads',
        '\tout=one.bin',
        '',
        '  # a comment',
        '  header=Authorization: Bearer t0k:en',
        '  header=X-Trace:1',
        `  checksum=sha-256=${SHA.toUpperCase()}`,
        '  user-agent=parafetch-test',
        '  referer=https://a/',
        'http://a/2',
      ].join('\n'),
      [
        {
          line: 2,
          item: {
            url: 'http://a/1',
            mirrors: ['https://b/1', 'http://c/1'],
            path: 'downloads/one.bin',
            sha256: SHA,
            headers: {
              Authorization: 'Bearer t0k:en',
              'X-Trace': '1',
              'User-Agent': 'parafetch-test',
              Referer: 'https://a/',
            },
          },
        },
        { line: 12, item: { url: 'http://a/2' } },
      ],
    ],
    [
      'dir without out names a folder',
      'http://a/1\n  dir=d\n',
      [{ line: 1, item: { url: 'http://a/1', path: 'd/' } }],
    ],
    [
      'checksum spelled sha256, and sha256= alone',
      `http://a/1\n checksum=SHA256=${SHA}\nhttp://a/2\n sha256=${SHA}\n`,
      [
        { line: 1, item: { url: 'http://a/1', sha256: SHA } },
        { line: 3, item: { url: 'http://a/2', sha256: SHA } },
      ],
    ],
    [
      'unknown options and other checksum types are warnings; the item stays',
      'http://a/1\n  split=4\n  checksum=md5=0123\n  referer=*\n  header=X-A: 1\n  header=x-a: 2\n',
      [
        { warning: '<stdin>:2: aria2c option "split" is not supported; ignored' },
        { warning: '<stdin>:3: checksum type "md5" is not supported (only sha-256); not verified' },
        { warning: '<stdin>:4: referer=* (the URL itself) is not supported; ignored' },
        { warning: '<stdin>:6: header x-a is given more than once; the last value is used' },
        { line: 1, item: { url: 'http://a/1', headers: { 'x-a': '2' } } },
      ],
    ],
    [
      'an option line before any URL is an error',
      '  out=x\n# c\nhttp://a/1\n',
      [
        { error: '<stdin>:1: option line "out=x" has no URL line before it' },
        { line: 3, item: { url: 'http://a/1' } },
      ],
    ],
    [
      'a bad URL line is one error; its options are still checked; the next block reads',
      'ftp://a/1\n  out=x\nhttp://a/2\thttp://\n  out=y\nhttp://a/3\n',
      [
        { error: '<stdin>:1: unsupported URL scheme "ftp:" in "ftp://a/1": only http and https' },
        { error: '<stdin>:3: invalid URL "http://"' },
        { line: 5, item: { url: 'http://a/3' } },
      ],
    ],
    [
      'a bad option drops its item and names the option line',
      [
        'http://a/1',
        '  checksum=sha-256=abc',
        'http://a/2',
        '  out=',
        'http://a/3',
        '  header=NoColon',
        'http://a/4',
        '  header=Bad Name: x',
        'http://a/5',
        '  justaword',
        'http://a/6',
        '  checksum=nodigest',
        'http://a/7',
      ].join('\n'),
      [
        { error: '<stdin>:2: sha-256 checksum must be 64 hex digits, got "abc"' },
        { error: '<stdin>:4: out= needs a value' },
        { error: '<stdin>:6: expected header=Name: value, got "header=NoColon"' },
        { error: '<stdin>:8: invalid header name "Bad Name"' },
        { error: '<stdin>:10: expected an option as name=value, got "justaword"' },
        { error: '<stdin>:12: expected checksum=TYPE=DIGEST, got "checksum=nodigest"' },
        { line: 13, item: { url: 'http://a/7' } },
      ],
    ],
  ];
  for (const [name, input, expected] of cases)
    assert.deepEqual(await readBrief('aria2', input), expected, name);
});
