import { sanitizeFileName } from '../storage/safe-path.js';

/**
 * The file name a URL suggests: its last path segment, decoded and made safe; `index.html` for
 * a URL that ends in `/` (a site's root, a folder), as wget names it. Pure.
 */
export function nameFromUrl(url: URL): string {
  const segments = url.pathname.split('/');
  const last = segments[segments.length - 1] ?? '';
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // keep the raw segment
  }
  return sanitizeFileName(decoded) || 'index.html';
}

/**
 * The file name a `Content-Disposition` header gives, RFC 6266: `filename*` (RFC 5987,
 * percent-encoded with a charset) wins over `filename`. Only the last path component is kept,
 * so traversal such as `../../x` becomes `x`. Pure; undefined when there is no usable name.
 */
export function nameFromContentDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let raw: string | undefined;
  const star = /(?:^|;)\s*filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star?.[1]) {
    const m = /^([\w!#$%&+^`{}~-]+)'[^']*'(.*)$/.exec(star[1].trim().replace(/^"|"$/g, ''));
    if (m?.[2] !== undefined) {
      try {
        raw = m[1]!.toLowerCase() === 'utf-8' ? decodeURIComponent(m[2]) : unescape(m[2]);
      } catch {
        raw = undefined;
      }
    }
  }
  if (raw === undefined) {
    const plain = /(?:^|;)\s*filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/i.exec(header);
    if (plain) raw = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, '$1') : plain[1]?.trim();
  }
  if (!raw) return undefined;
  const base = raw.split(/[/\\]/).pop() ?? '';
  return sanitizeFileName(base) || undefined;
}
