import { HttpStatusError, type ParafetchError } from '../errors/index.js';
import type { NormalizedOptions } from './options.js';

/**
 * Parses a `Retry-After` header, either delay-seconds or an HTTP-date, into milliseconds from
 * `now`. Returns undefined for a missing or unreadable value; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date (RFC 9110 5.6.7) starts with a day name: IMF-fixdate, RFC 850 or asctime.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +\S/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface RetryInput {
  /** Attempts made so far, including the one that just failed (1 after the first). */
  attempt: number;
  error: ParafetchError;
  now: number;
  /** A number in [0, 1); injectable so that tests are exact. */
  random: number;
}

export type RetryDecision =
  | { retry: false; reason: string }
  /** `fromRetryAfter`: the server set the delay, and it applies to its whole origin. */
  | { retry: true; delayMs: number; fromRetryAfter?: true };

/**
 * Whether and when to try again: transient errors are retried with capped exponential backoff
 * and jitter; a 429/503 with `Retry-After` waits as long as the server asks, unless that is
 * longer than `maxRetryAfterMs`.
 */
export function decideRetry(
  input: RetryInput,
  policy: Pick<NormalizedOptions, 'retries' | 'backoff' | 'maxRetryAfterMs'>,
): RetryDecision {
  const { attempt, error } = input;
  if (!error.retryable) return { retry: false, reason: 'not retryable' };
  if (attempt > policy.retries) return { retry: false, reason: `gave up after ${attempt} attempts` };

  if (error instanceof HttpStatusError && (error.status === 429 || error.status === 503)) {
    const asked = parseRetryAfter(error.retryAfter, input.now);
    if (asked !== undefined) {
      if (asked > policy.maxRetryAfterMs) {
        return { retry: false, reason: `Retry-After of ${asked} ms exceeds maxRetryAfterMs` };
      }
      return { retry: true, delayMs: asked, fromRetryAfter: true };
    }
  }

  const { baseMs, maxMs, factor, jitter } = policy.backoff;
  const full = Math.min(maxMs, baseMs * factor ** (attempt - 1));
  const delayMs = jitter ? full / 2 + (full / 2) * input.random : full;
  return { retry: true, delayMs: Math.round(delayMs) };
}
