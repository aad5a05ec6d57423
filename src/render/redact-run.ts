import { redactCredentials } from '../transport/credentials.js';

/**
 * What of a run is masked before it is written or shown beside its report: the command's
 * arguments and its request headers. The run-info file and the run page both go through here.
 */

/** Flags whose value is a password, or holds one. */
const SECRET_FLAGS: ReadonlySet<string> = new Set([
  '-u',
  '--user',
  '--password',
  '--http-user',
  '--http-password',
  '--proxy-user',
  '--proxy-password',
]);
const HEADER_FLAGS: ReadonlySet<string> = new Set(['-H', '--header']);
/** Request headers whose values are secrets. */
const SECRET_HEADERS = /^\s*(authorization|proxy-authorization|cookie)\s*:/i;

/** A `USER:PASSWORD` value with its password masked (a lone user name may be a token: masked). */
function maskUserPassword(value: string): string {
  const colon = value.indexOf(':');
  return colon === -1 ? '***' : `${value.slice(0, colon)}:***`;
}

function maskHeader(value: string): string {
  return SECRET_HEADERS.test(value) ? `${value.slice(0, value.indexOf(':'))}: ***` : value;
}

/**
 * `argv` with every secret masked: the credentials of URLs, the values of `-u`/`--user` (and of
 * other tools' password flags), and the values of Authorization and Cookie headers given with
 * `-H`, in every spelling (`-u V`, `-uV`, `--user=V`). Pure.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let next: ((v: string) => string) | undefined;
  for (const raw of argv) {
    const arg = redactCredentials(raw);
    if (next) {
      out.push(next(arg));
      next = undefined;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const mask = SECRET_FLAGS.has(flag) ? maskUserPassword : HEADER_FLAGS.has(flag) ? maskHeader : undefined;
    if (mask && eq !== -1) out.push(`${flag}=${mask(arg.slice(eq + 1))}`);
    else if (mask) {
      out.push(arg);
      next = mask;
    } else if (/^-u./.test(arg)) out.push(`-u${maskUserPassword(arg.slice(2))}`);
    else if (/^-H./.test(arg)) out.push(`-H${maskHeader(arg.slice(2))}`);
    else out.push(arg);
  }
  return out;
}

/** Request headers with the values of Authorization, Proxy-Authorization and Cookie masked. Pure. */
export function maskedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, SECRET_HEADERS.test(`${k}:`) ? '***' : v]),
  );
}
