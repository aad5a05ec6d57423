/** Keys whose values a page never shows. */
const SECRET_KEY = /pass|secret|token|authori[sz]ation|cookie|credential|^key$|apikey|^headers?$/i;
/** Flags whose next argument is a secret or may hold one. */
const SECRET_FLAGS = new Set(['-u', '--user', '-H', '--header', '--proxy']);

/** A URL's password replaced by `***`; other strings as they are. Pure. */
function withoutPassword(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^/\s@]*@/gi, '$1***@');
}

/**
 * A copy of `value` fit to show: values under secret-looking keys, the arguments of `--user`,
 * `--header` and `--proxy`, and passwords in URLs replaced by `***`. Pure.
 */
export function redacted<T>(value: T): T {
  return redact(value, '') as T;
}

function redact(value: unknown, key: string): unknown {
  if (SECRET_KEY.test(key) && (typeof value === 'string' || typeof value === 'object') && value) return '***';
  if (typeof value === 'string') return withoutPassword(value);
  if (Array.isArray(value)) {
    if (key === 'argv') return redactArgv(value.map(String));
    return value.map((v) => redact(v, ''));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

function redactArgv(argv: string[]): string[] {
  return argv.map((arg, i) => {
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && SECRET_FLAGS.has(arg.slice(0, eq)))
      return `${arg.slice(0, eq)}=***`;
    if (i > 0 && SECRET_FLAGS.has(argv[i - 1]!)) return '***';
    return withoutPassword(arg);
  });
}
