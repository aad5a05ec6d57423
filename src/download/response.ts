/** Reading the parts of a response that decide how bytes are placed. All pure. */

import { header, type Headers } from '../transport/headers.js';

export interface ContentRange {
  start: number;
  end: number;
  /** Full size, or undefined for `*`. */
  size: number | undefined;
}

/** Parses `Content-Range: bytes START-END/SIZE`; undefined when malformed or unsatisfied. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (!value) return undefined;
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const size = m[3] === '*' ? undefined : Number(m[3]);
  if (end < start || (size !== undefined && end >= size)) return undefined;
  return { start, end, size };
}

/** What identifies one version of the remote file. */
export interface Validator {
  /** A strong ETag (weak ones cannot be used with If-Range). */
  etag?: string;
  lastModified?: string;
}

export function readValidator(headers: Headers): Validator {
  const etag = header(headers, 'etag');
  const lastModified = header(headers, 'last-modified');
  const v: Validator = {};
  if (etag && !etag.startsWith('W/')) v.etag = etag;
  if (lastModified) v.lastModified = lastModified;
  return v;
}

/** The `If-Range` value for a validator, or undefined when a resume cannot be made safe. */
export function ifRangeValue(v: Validator | undefined): string | undefined {
  return v?.etag ?? v?.lastModified;
}

/** Whether the response carries a different version than `known`. */
export function validatorChanged(known: Validator | undefined, now: Validator): boolean {
  if (!known) return false;
  if (known.etag && now.etag) return known.etag !== now.etag;
  if (known.lastModified && now.lastModified) return known.lastModified !== now.lastModified;
  return false;
}

/** Whether the server says it serves byte ranges. */
export function acceptsRanges(headers: Headers): boolean {
  return /\bbytes\b/i.test(header(headers, 'accept-ranges') ?? '');
}
