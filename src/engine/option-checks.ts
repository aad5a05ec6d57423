import { InvalidOptionError } from '../errors/index.js';

/** Checks of one option's value, each naming the option and the value received. Pure. */

/** An integer from `min` (to `max`), or `fallback` when absent. */
export function integer<F extends number | undefined>(
  key: string,
  value: unknown,
  min: number,
  fallback: F,
  max = Number.MAX_SAFE_INTEGER,
): number | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new InvalidOptionError(key, `an integer ${range}`, value);
  }
  return value;
}

/** A finite number from `min`, or `fallback` when absent. */
export function number(key: string, value: unknown, min: number, fallback: number) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionError(key, `a finite number from ${min} and up`, value);
  }
  return value;
}

/** A boolean, or `fallback` when absent. */
export function boolean<F extends boolean | undefined>(
  key: string,
  value: unknown,
  fallback: F,
): boolean | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(key, 'a boolean', value);
  return value;
}

/** An object of only the `allowed` keys; `{}` when absent. */
export function plainObject(
  key: string,
  value: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(key, 'an object', value);
  }
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) {
      throw InvalidOptionError.unknown(`${key}.${k}`, allowed);
    }
  }
  return value as Record<string, unknown>;
}
