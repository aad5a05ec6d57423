import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonLine, printable, printableLines } from '../../src/render/printable.js';

/** Every character a terminal may act on (LF excepted where lines are kept). */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('printable: control characters from inputs and servers are shown escaped, the rest as is', () => {
  const cases: [string, string, string][] = [
    ['plain text', 'https://a/b?c=d#e', 'https://a/b?c=d#e'],
    [
      'letters beyond ASCII, emoji, a backslash',
      'é 日本 🎉 a\\b \u00a0\u00d7',
      'é 日本 🎉 a\\b \u00a0\u00d7',
    ],
    ['ESC of a colour sequence', '\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['a window title: OSC ... BEL', '\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
    ['NUL, backspace, vertical tab', '\u0000\u0008\u000b', '\\x00\\x08\\x0b'],
    ['tab, line feed, carriage return', 'a\tb\nc\rd', 'a\\tb\\nc\\rd'],
    ['DEL', 'x\u007fy', 'x\\x7fy'],
    ['C1: the one-character CSI, NEL, APC', '\u009b2J\u0085\u009f\u0080', '\\x9b2J\\x85\\x9f\\x80'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    [
      'bidirectional override and isolate',
      'evil\u202egpj.exe\u2066\u2069',
      'evil\\u202egpj.exe\\u2066\\u2069',
    ],
  ];
  for (const [name, input, expected] of cases) {
    assert.equal(printable(input), expected, name);
    assert.equal(printable(printable(input)), expected, `${name}: escaping twice changes nothing`);
    assert.doesNotMatch(printable(input), RAW, name);
  }
  // Every code unit below U+00A0, one at a time.
  for (let code = 0; code < 0xa0; code++) {
    const c = String.fromCharCode(code);
    assert.doesNotMatch(printable(c), RAW, `U+${code.toString(16)}`);
  }
});

test('printableLines keeps the line breaks and escapes the rest', () => {
  assert.equal(
    printableLines('error: unknown option \u001b[2J\n(help)\n'),
    'error: unknown option \\x1b[2J\n(help)\n',
  );
});

test('jsonLine: valid JSON that parses back to the same value, with no raw control character', () => {
  const values: unknown[] = [
    { url: 'http://a/\u001b]0;t\u0007', message: 'x\u007f\u009b\u0085\u2028\u2029\u202e', n: 1 },
    { plain: 'é 日本 🎉 "quoted" back\\slash' },
    ['\u0000', null, true],
  ];
  for (const value of values) {
    const line = jsonLine(value);
    assert.deepEqual(JSON.parse(line), value);
    assert.doesNotMatch(line, RAW);
  }
  assert.equal(jsonLine({ a: 'é' }), JSON.stringify({ a: 'é' }), 'printable characters are not escaped');
});
