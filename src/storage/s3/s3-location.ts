import { InvalidOptionError } from '../../errors/index.js';

/** Where a store's objects go: a bucket and a key prefix (no slash at either end, maybe empty). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Bucket names as S3 and compatible stores accept them (legacy names with capitals included). */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Whether `s` names an S3 location (`s3://…`) rather than a folder. */
export function isS3Url(s: string): boolean {
  return /^s3:\/\//i.test(s);
}

/**
 * Parses `s3://bucket/prefix/…` into its bucket and prefix. A trailing slash is dropped; an empty
 * segment (`a//b`), a `.` or `..` segment, a control character or a bad bucket name is refused
 * with an InvalidOptionError naming `key`.
 */
export function parseS3Url(url: string, key = 'dir'): S3Location {
  const invalid = (why: string) => new InvalidOptionError(key, `an s3://bucket/prefix URL (${why})`, url);
  if (!isS3Url(url)) throw invalid('it must start with s3://');
  if (CONTROL.test(url)) throw invalid('no control characters');
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw invalid('a bucket name is 3 to 63 letters, digits, dots, hyphens or underscores');
  }
  let prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  if (prefix !== '') {
    for (const segment of prefix.split('/')) {
      if (segment === '') throw invalid('no empty segment in the prefix');
      if (segment === '.' || segment === '..') throw invalid('no `.` or `..` segment in the prefix');
    }
  }
  return { bucket, prefix };
}

/**
 * The object key for `name` (`a/b.jpg`, made safe by the caller): the prefix, a slash and the
 * name, never with a leading slash or an empty segment.
 */
export function objectKey(location: S3Location, name: string): string {
  const parts = name.split('/').filter((s) => s !== '');
  const tail = parts.join('/');
  return location.prefix === '' ? tail : tail === '' ? location.prefix : `${location.prefix}/${tail}`;
}

/** `s3://bucket/key`, as results report an object. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
