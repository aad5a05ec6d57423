import { redactCredentials } from '../transport/credentials.js';

/**
 * Characters a terminal may act on instead of showing: C0 controls (ESC starts escape sequences,
 * BEL rings, CR and BS overwrite), DEL, C1 controls (U+009B is a one-character CSI), the line and
 * paragraph separators, and the bidirectional embeddings, overrides and isolates that reorder
 * what is shown.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The characters of UNPRINTABLE that JSON.stringify leaves raw (it escapes C0 itself). */
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function hex(c: string, digits: number): string {
  return c.charCodeAt(0).toString(16).padStart(digits, '0');
}

/**
 * `text` as it may be printed for a person: the credentials of every URL in it masked (see
 * redactCredentials: nothing printed shows a password), and every character a terminal could
 * act on shown as an escape (`\x1b`, `\x07`, `\t`, `\n`, `\x9b`, `\u202e`), so that a URL, a file
 * name or a server's message cannot move the cursor, change colours, retitle the window or hide
 * what follows. Pure; printable(printable(x)) === printable(x). A backslash is kept as it is.
 */
export function printable(text: string): string {
  // Credentials first: an escape's backslash would end a URL's user information early.
  return redactCredentials(text).replace(
    UNPRINTABLE,
    (c) => NAMED[c] ?? (c < '\u0100' ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`),
  );
}

/** Like `printable`, for several lines: the line breaks are kept, everything else escaped. Pure. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/**
 * `value` as one line of JSON that holds no raw control character: what JSON.stringify gives,
 * with DEL, C1, U+2028/U+2029 and the bidirectional controls written as `\uXXXX` too, and the
 * credentials of every URL in its strings masked (see redactCredentials). The same value parses
 * back, but for those; a reader that splits on U+2028 or shows the line on a terminal is safe. Pure.
 */
export function jsonLine(value: unknown): string {
  const redacted = (_key: string, v: unknown) => (typeof v === 'string' ? redactCredentials(v) : v);
  return JSON.stringify(value, redacted).replace(RAW_IN_JSON, (c) => `\\u${hex(c, 4)}`);
}
