import { ParafetchError } from './base.js';

/** An option that does not validate; the message names the key and the value received. */
export class InvalidOptionError extends ParafetchError {
  readonly key: string;

  constructor(key: string, expected: string, received: unknown) {
    super('INVALID_OPTION', `Expected \`${key}\` to be ${expected}, got ${describe(received)}`);
    this.key = key;
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
