import type { Credentials } from './credentials.js';

/** One `machine` (or the `default`) entry of a netrc file. */
export interface NetrcEntry {
  /** The host name, lower case; undefined for `default`, which stands for any host. */
  machine: string | undefined;
  login: string | undefined;
  password: string | undefined;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/**
 * The tokens of a netrc file, as curl reads them: separated by white space, a token in double
 * quotes may hold spaces and the escapes `\"`, `\\`, `\n`, `\r`, `\t`; a `#` at the start of a
 * token comments out the rest of its line. A `macdef` and its lines (up to an empty line) are
 * left out. Pure.
 */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '"') {
      let token = '';
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) {
          const e = text[i + 1]!;
          token += ESCAPES[e] ?? e;
          i += 2;
        } else {
          token += text[i++];
        }
      }
      i++;
      out.push(token);
    } else {
      const start = i;
      while (i < n && !/\s/.test(text[i]!)) i++;
      const token = text.slice(start, i);
      out.push(token);
      if (token === 'macdef') {
        // Its name, then its lines up to an empty line: a macro, not credentials.
        const end = text.indexOf('\n\n', i);
        i = end === -1 ? n : end + 2;
      }
    }
  }
  return out;
}

/** The entries of a netrc file (`machine`, `default`, `login`, `password`; `account` ignored). Pure. */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  let current: NetrcEntry | undefined;
  const list = tokens(text);
  for (let i = 0; i < list.length; i++) {
    const token = list[i]!;
    if (token === 'machine') {
      current = { machine: (list[++i] ?? '').toLowerCase(), login: undefined, password: undefined };
      entries.push(current);
    } else if (token === 'default') {
      current = { machine: undefined, login: undefined, password: undefined };
      entries.push(current);
    } else if (token === 'login' && current) {
      current.login = list[++i];
    } else if (token === 'password' && current) {
      current.password = list[++i];
    } else if (token === 'account') {
      i++;
    }
  }
  return entries;
}

/**
 * The credentials of `host` in `entries`, as curl picks them: the first `machine` entry of that
 * host (ignoring case; the port plays no part), or else the `default` entry; with `login` given
 * (a URL that names its user but no password), only an entry of that login. Undefined when no
 * entry fits. Pure.
 */
export function netrcCredentials(
  entries: readonly NetrcEntry[],
  host: string,
  login?: string,
): Credentials | undefined {
  const name = host.toLowerCase();
  const fits = (e: NetrcEntry) => login === undefined || e.login === login;
  const entry =
    entries.find((e) => e.machine === name && fits(e)) ??
    entries.find((e) => e.machine === undefined && fits(e));
  if (!entry || (entry.login === undefined && entry.password === undefined)) return undefined;
  return { username: entry.login ?? login ?? '', password: entry.password ?? '' };
}
