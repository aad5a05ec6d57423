import { Option, type Command } from 'commander';
import { DEFAULTS, LIMITS } from '../engine/options.js';
import { VERSION } from '../index.js';
import { header, integer, proxy, rate, seconds, size, split, valued } from './values.js';

/** The options of how the command connects: limits, retries, timeouts, headers, proxy, TLS, rates, HTTP/2. */
export function addConnectionFlags(program: Command): Command {
  return program
    .optionsGroup('Connections:')
    .addOption(
      valued(
        '-j, --concurrency <N>',
        'files downloading at once',
        integer(1, LIMITS.concurrency),
        DEFAULTS.concurrency,
      ),
    )
    .addOption(
      valued(
        '--per-host <N>',
        'connections at once to one host (default: the value of -j)',
        integer(1, LIMITS.concurrency),
      ),
    )
    .addOption(
      valued(
        '--workers <N>',
        'event loops making transfers: this one and N-1 worker threads (default: cores - 1, at least 1)',
        integer(1, LIMITS.workers),
      ),
    )
    .addOption(
      valued(
        '-x, --split <N>',
        'connections per file at most, taken from those -j leaves idle (auto: up to 16; 1: never split)',
        split(LIMITS.split),
        DEFAULTS.split,
      ),
    )
    .addOption(
      valued(
        '-k, --min-split-size <SIZE>',
        'split only files of at least 2*SIZE; K, M, G allowed',
        size,
        DEFAULTS.minSplitSize,
        `${DEFAULTS.minSplitSize / (1024 * 1024)}M`,
      ),
    )
    .addOption(
      valued(
        '--retries <N>',
        'further attempts after a transient failure',
        integer(0, LIMITS.retries),
        DEFAULTS.retries,
      ),
    )
    .addOption(
      valued(
        '--connect-timeout <SEC>',
        'seconds to establish a connection',
        seconds,
        DEFAULTS.timeouts.connect,
        `${DEFAULTS.timeouts.connect / 1000}`,
      ),
    )
    .addOption(
      valued(
        '--timeout <SEC>',
        'seconds to wait for the response headers',
        seconds,
        DEFAULTS.timeouts.headers,
        `${DEFAULTS.timeouts.headers / 1000}`,
      ),
    )
    .addOption(
      valued(
        '--stall-timeout <SEC>',
        'longest pause in seconds while receiving a body',
        seconds,
        DEFAULTS.timeouts.stall,
        `${DEFAULTS.timeouts.stall / 1000}`,
      ),
    )
    .addOption(
      valued(
        '--speed-limit <BYTES>',
        'a body slower than BYTES per second over --speed-time fails (LOW_SPEED) and is retried; K, M allowed; 0: no limit',
        rate,
        DEFAULTS.lowSpeed.bytesPerSecond,
        `${DEFAULTS.lowSpeed.bytesPerSecond / 1024}K`,
      ),
    )
    .addOption(
      valued(
        '--speed-time <SEC>',
        'seconds over which --speed-limit is measured',
        integer(1, LIMITS.lowSpeedSeconds),
        DEFAULTS.lowSpeed.seconds,
      ),
    )
    .addOption(
      valued(
        '--limit-rate <SIZE>',
        'bytes per second of the whole run, every connection and worker thread together; K, M, G allowed; 0: no limit',
        rate,
        0,
      ),
    )
    .addOption(
      valued(
        '--max-file-rate <SIZE>',
        'bytes per second of each file; K, M, G allowed; 0: no limit',
        rate,
        0,
      ),
    )
    .option('--http2', 'offer HTTP/2 to https servers: one connection carries up to --per-host requests')
    .addOption(
      valued(
        '--max-redirects <N>',
        'redirects followed per request',
        integer(0, LIMITS.maxRedirects),
        DEFAULTS.maxRedirects,
      ),
    )
    .addOption(
      new Option('-H, --header <HEADER>', "extra request header 'Name: value'; repeatable").argParser(
        (text: string, previous: [string, string][] | undefined) => [...(previous ?? []), header(text)],
      ),
    )
    .option('-U, --user-agent <STRING>', `User-Agent header (default: parafetch/${VERSION})`)
    .addOption(
      valued(
        '--proxy <URL>',
        "proxy for every request (host:port means http://host:port), or 'none' (default: HTTP(S)_PROXY and NO_PROXY)",
        proxy,
      ),
    )
    .option('--insecure', 'do not verify TLS certificates');
}
