import { ParafetchError } from './base.js';

/** An option that does not validate; the message names the key and the value received. */
export class InvalidOptionError extends ParafetchError {
  readonly key: string;

  constructor(key: string, expected: string, received: unknown) {
    super('INVALID_OPTION', `Expected \`${key}\` to be ${expected}, got ${describe(received)}`);
    this.key = key;
  }

  /** An option name that does not exist; names the known ones. */
  static unknown(key: string, known: Iterable<string>): InvalidOptionError {
    const err = new InvalidOptionError(key, '', undefined);
    err.message = `Unknown option \`${key}\`; known options: ${[...known].join(', ')}`;
    return err;
  }
}

export function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'object') {
    try {
      return `\`${JSON.stringify(value)}\` (${Array.isArray(value) ? 'array' : 'object'})`;
    } catch {
      return '(object)';
    }
  }
  return `\`${String(value)}\` (${typeof value})`;
}
