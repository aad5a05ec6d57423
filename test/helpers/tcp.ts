import { readFileSync } from 'node:fs';

const ESTABLISHED = '01';
const SYN_SENT = '02';

/** Client-side TCP connections (established or connecting) to 127.0.0.1:`port`, from /proc/net/tcp. */
export function clientConnections(port: number): number {
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // The file is read in pages while sockets come and go, so one socket can be listed twice:
  // count each local address once.
  const seen = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[2] === remote && (cols[3] === ESTABLISHED || cols[3] === SYN_SENT)) seen.add(cols[1]!);
  }
  return seen.size;
}

/**
 * Samples `clientConnections(port)` every `everyMs` until stopped (at most `maxMs`); `stop()`
 * returns the peak seen. Counts the client's side, where a connection it closed is gone at once.
 */
export function samplePeakConnections(port: number, everyMs = 2, maxMs = 60_000): { stop(): number } {
  let peak = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    peak = Math.max(peak, clientConnections(port));
    if (Date.now() - started > maxMs) clearInterval(timer);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, clientConnections(port));
    },
  };
}
