/**
 * Text measured in terminal columns, not in UTF-16 units: a CJK character or an emoji takes two
 * columns, a combining mark none. A live display must never write a line wider than the
 * terminal: the line would wrap (or, with wrapping off, pile its overflow into the last column)
 * and the cursor movements that redraw the display would land on the wrong rows.
 */

/** Code points shown two columns wide (East Asian Wide and Fullwidth), as [first, last] ranges. */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18aff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** Emoji shown as pictures (two columns), and marks that take no column of their own. */
const EMOJI = /^\p{Emoji_Presentation}$/u;
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff]$/u;

/** Columns one character takes: 0, 1 or 2. Pure. */
export function charWidth(char: string): number {
  const cp = char.codePointAt(0) ?? 0;
  if (cp < 0x300) return 1;
  if (ZERO.test(char)) return 0;
  for (const [first, last] of WIDE) {
    if (cp < first) break;
    if (cp <= last) return 2;
  }
  return EMOJI.test(char) ? 2 : 1;
}

/** Columns `text` takes on a terminal. Pure. */
export function widthOf(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/** Cuts `text` to at most `width` columns, keeping its start and marking the cut with `…`. Pure. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (widthOf(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** Cuts `text` to at most `width` columns, keeping its end (the informative part of a path or URL). Pure. */
export function truncateStart(text: string, width: number): string {
  if (width <= 0) return '';
  if (widthOf(text) <= width) return text;
  const chars = [...text];
  let out = '';
  let used = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charWidth(chars[i]!);
    if (used + w > width - 1) break;
    out = chars[i]! + out;
    used += w;
  }
  return `…${out}`;
}

/** `text` as rows of at most `width` columns each (at least one row; nothing is dropped). Pure. */
export function wrap(text: string, width: number): string[] {
  if (width <= 1 || widthOf(text) <= width) return [text];
  const rows: string[] = [];
  let row = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width) {
      rows.push(row);
      row = '';
      used = 0;
    }
    row += char;
    used += w;
  }
  rows.push(row);
  return rows;
}
