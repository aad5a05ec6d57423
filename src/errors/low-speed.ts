import { ParafetchError } from './base.js';

/** The body arrived slower than the low-speed limit for the whole low-speed time. */
export class LowSpeedError extends ParafetchError {
  readonly bytesPerSecond: number;
  readonly seconds: number;

  constructor(bytesPerSecond: number, seconds: number, url: string) {
    super('LOW_SPEED', `${url} sent under ${bytesPerSecond} bytes/s for ${seconds} s`, { retryable: true });
    this.bytesPerSecond = bytesPerSecond;
    this.seconds = seconds;
  }
}
