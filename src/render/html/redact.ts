import { redactCredentials } from '../../transport/credentials.js';
import { redactArgv } from '../redact-run.js';

/** Keys whose values a page never shows. */
const SECRET_KEY = /pass|secret|token|authori[sz]ation|cookie|credential|^key$|apikey|^headers?$/i;
/**
 * A copy of `value` fit to show: values under secret-looking keys replaced by `***`, `argv` masked
 * as the run-info file masks it (see redactArgv), and passwords in URLs masked. Pure.
 */
export function redacted<T>(value: T): T {
  return redact(value, '') as T;
}

function redact(value: unknown, key: string): unknown {
  if (SECRET_KEY.test(key) && (typeof value === 'string' || typeof value === 'object') && value) return '***';
  if (typeof value === 'string') return redactCredentials(value);
  if (Array.isArray(value)) {
    if (key === 'argv') return redactArgv(value.map(String));
    return value.map((v) => redact(v, ''));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}
