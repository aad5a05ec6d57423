import { ParafetchError } from './base.js';

export type TimeoutPhase = 'connect' | 'headers' | 'stall';

const CODES = { connect: 'CONNECT_TIMEOUT', headers: 'HEADERS_TIMEOUT', stall: 'STALL_TIMEOUT' } as const;

/** A timeout, split by the phase it hit: connecting, waiting for headers, or a stalled body. */
export class TimeoutError extends ParafetchError {
  readonly phase: TimeoutPhase;

  constructor(phase: TimeoutPhase, ms: number, url: string, cause?: unknown) {
    super(CODES[phase], `${phase} timeout after ${ms} ms for ${url}`, { cause, retryable: true });
    this.phase = phase;
  }
}
