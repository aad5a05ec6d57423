import { HttpStatusError, type ParafetchError } from '../errors/index.js';
import type { DownloadItem } from '../download/item.js';
import { attemptUrl, itemUrls } from '../download/mirrors.js';
import type { HostGate } from './host-gate.js';
import { hostKey } from './host-gate.js';
import type { NormalizedOptions } from './options.js';
import { decideRetry, isNotHere, parseRetryAfter } from './retry-policy.js';

/** What an item's attempts so far tell about what comes next. */
export interface AttemptHistory {
  item: DownloadItem;
  /** Attempts made, the failed one included. */
  attempts: number;
  /**
   * How many of them ended in a hand-over to the next URL at once ("not here"): those use no
   * retry, so `attempts - skips` is what the retry policy counts.
   */
  skips: number;
  /** When the failed attempt was let in. */
  sentAt: number;
  /** The origin it went to. */
  host: string;
  /** `URL → code` of the "not here" answers in a row of its URLs in this round (kept here). */
  notHere: string[];
  /** Told the Retry-After delay its next attempt waits, when the server set it. */
  job?: { honoured(ms: number): void };
}

export type NextStep =
  | { retry: false; error: ParafetchError }
  /** Try again after `delayMs`; the next attempt goes to `host` (a mirror's origin, perhaps). */
  | { retry: true; delayMs: number; host: string };

/**
 * What a failed attempt leads to: the origin's politeness state learns from the answer (a
 * 429/503 slows the origin down, any other answer lets it recover), the next URL of the item
 * is asked at once when this one said "not here" (this uses no retry: skips are counted apart),
 * else the retry policy decides from the attempts that were not skips. Attempts go through
 * `[url, ...mirrors]` in turn (`attemptUrl`), as DownloadJob makes them.
 */
export function afterFailure(
  h: AttemptHistory,
  error: ParafetchError,
  gate: HostGate,
  options: Pick<NormalizedOptions, 'retries' | 'backoff' | 'maxRetryAfterMs'>,
  now: number,
  random: number,
): NextStep {
  const urls = itemUrls(h.item);
  if (isNotHere(error)) h.notHere.push(`${attemptUrl(urls, h.attempts)} → ${error.code}`);
  else h.notHere.length = 0;
  if (error instanceof HttpStatusError) {
    if (error.status === 429 || error.status === 503) {
      const asked = parseRetryAfter(error.retryAfter, now);
      const honoured = asked !== undefined && asked <= options.maxRetryAfterMs ? asked : undefined;
      gate.refused(h.host, now, h.sentAt, honoured);
    } else gate.answered(h.host);
  }
  const attempt = h.attempts - h.skips;
  const decision = decideRetry(
    { attempt, error, now, random, urls: urls.length, notHere: h.notHere.length },
    options,
  );
  if (!decision.retry) return { retry: false, error: withUrlsTried(error, h.notHere) };
  if (decision.fromRetryAfter) h.job?.honoured(decision.delayMs);
  if (decision.nextMirror) h.skips++;
  // A retry after a full round of "not here" starts a new round.
  else h.notHere.length = 0;
  return { retry: true, delayMs: decision.delayMs, host: hostKey(attemptUrl(urls, h.attempts + 1)) };
}

/** The last error of an item every URL of which said "not here", telling what each one said. */
function withUrlsTried(error: ParafetchError, notHere: readonly string[]): ParafetchError {
  if (notHere.length < 2) return error;
  const shown = notHere.slice(0, 5).join(', ') + (notHere.length > 5 ? ', ...' : '');
  error.message = `${error.message}; every URL of the item was tried: ${shown}`;
  return error;
}
