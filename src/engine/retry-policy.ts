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
  /** How many URLs the item has (its own and its mirrors); attempts rotate through them. Default 1. */
  urls?: number;
  /**
   * Consecutive "not here" answers (see `isNotHere`) of the item's URLs, this one included, since
   * the last other outcome or the last full round. Default 0.
   */
  notHere?: number;
}

export type RetryDecision =
  | { retry: false; reason: string }
  /**
   * `fromRetryAfter`: the server set the delay, and it applies to its whole origin.
   * `nextMirror`: this URL said the file is not here and the next one has not been asked yet in
   * this round: try it at once.
   */
  | { retry: true; delayMs: number; fromRetryAfter?: true; nextMirror?: true };

/**
 * Whether an answer says "the file is not here" (404, 410 or any 5xx), so that another URL of
 * the same item, a mirror, may still have it.
 */
export function isNotHere(error: ParafetchError): boolean {
  return (
    error instanceof HttpStatusError && (error.status === 404 || error.status === 410 || error.status >= 500)
  );
}

/**
 * Whether and when to try again: an item with mirrors whose URL said "not here" goes on to its
 * next URL at once, each URL at most once per round (this costs no retry); transient errors are
 * retried with capped exponential backoff and jitter; a 429/503 with `Retry-After` waits as long
 * as the server asks, unless that is longer than `maxRetryAfterMs`.
 */
export function decideRetry(
  input: RetryInput,
  policy: Pick<NormalizedOptions, 'retries' | 'backoff' | 'maxRetryAfterMs'>,
): RetryDecision {
  const { attempt, error } = input;
  const urls = input.urls ?? 1;
  if (urls > 1 && isNotHere(error)) {
    if ((input.notHere ?? 0) < urls) return { retry: true, delayMs: 0, nextMirror: true };
    if (!error.retryable)
      return { retry: false, reason: `not retryable, and every one of the ${urls} URLs said so` };
  }
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
