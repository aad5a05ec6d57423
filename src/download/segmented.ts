import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParafetchError } from '../errors/index.js';
import {
  AbortedError,
  BodyTooLongError,
  HttpStatusError,
  InternalError,
  RemoteChangedError,
  TruncatedBodyError,
} from '../errors/index.js';
import type { FileSink } from '../storage/file-sink.js';
import type { ByteBudget } from '../transport/byte-budget.js';
import type { HttpClient, HttpResponse } from '../transport/client.js';
import { getFollowingRedirects } from '../transport/redirects.js';
import { discardBody } from '../transport/discard.js';
import { header } from '../transport/headers.js';
import type { Session } from '../transport/session.js';
import {
  ifRangeValue,
  parseContentRange,
  readValidator,
  validatorChanged,
  type Validator,
} from './response.js';
import type { Segment, SegmentTable } from './segments.js';

export interface SegmentedFetch {
  client: HttpClient;
  /** Where range requests go (the URL after redirects). */
  url: URL;
  /** Headers for range requests (already without credentials a redirect dropped). */
  headers: Record<string, string>;
  /** Credentials and cookies, given to each range request as its URL allows. */
  session?: Session | undefined;
  /** The version being fetched; every range request carries it as If-Range. */
  validator: Validator;
  table: SegmentTable;
  sink: RangeSink;
  /** Connections to open for this file at the start (those beyond the first borrowed from `more`, if given). */
  connections: number;
  /** The most connections this file may have at once (default: `connections`). */
  cap?: number;
  /** Where further connections come from while the file downloads, and go back to. */
  more?: MoreConnections;
  maxRedirects: number;
  /** The file's rate limit, shared by its ranges. */
  budget?: ByteBudget | undefined;
  signal: AbortSignal;
  /** A response already streaming the first segment (from `bytes=0-`), if any. */
  first?: { response: HttpResponse; segment: Segment };
  /** Delay before a segment's n-th retry, or undefined to give up. */
  retryDelay(failures: number, error: ParafetchError): number | undefined;
  onBytes(n: number): void;
}

/** Where the ranges' bytes go: a FileSink, or one that looks at each chunk on its way there. */
export type RangeSink = Pick<FileSink, 'write' | 'drained'>;

/** The run's idle connections, as one file's download borrows them (see SpareConnections). */
export interface MoreConnections {
  /** Borrows one; false when none is spare. */
  borrow(): boolean;
  giveBack(): void;
  /** Whether the run wants borrowed connections back (a download waits to start). */
  wanted(): boolean;
  /** Calls `listener` when connections may have become spare; returns what unsubscribes it. */
  onSpare(listener: () => void): () => void;
}

/**
 * Fetches every segment of the table over up to `connections` connections, writing each
 * chunk at its offset. A broken connection retries its own range; a version change or a
 * fatal error stops all connections and rejects.
 */
export async function fetchSegments(f: SegmentedFetch): Promise<void> {
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every connection's request listens to it
  const onAbort = () => stop.abort(f.signal.reason);
  f.signal.addEventListener('abort', onAbort, { once: true });
  let fatal: ParafetchError | undefined;
  const cap = Math.max(f.connections, f.cap ?? f.connections);
  // Connections beyond the first are borrowed from the run. They are all alike: whichever ends
  // first gives one back, so the download holds as many as it has connections working.
  let lent = 0;
  let active = 0;
  const ended = () => {
    active--;
    if (lent > 0) {
      lent--;
      f.more!.giveBack();
    }
  };
  const worker = async (first?: SegmentedFetch['first'], taken?: Segment) => {
    let failures = 0;
    let response = first?.response;
    let segment = first?.segment ?? taken ?? f.table.take();
    while (segment && !stop.signal.aborted) {
      const claim = segment.claim;
      let error: ParafetchError | undefined;
      try {
        await fetchRange(f, segment, claim, response, stop.signal);
      } catch (err) {
        error = f.client.bodyError(err, f.url);
      } finally {
        response = undefined;
        // Released once, by the claim that took it, before any wait: a retry (this connection's
        // or another's) finds it free, and once another connection has taken it this one can
        // never free it again, so no two connections ever work one range.
        f.table.release(segment, claim);
      }
      if (error) {
        if (stop.signal.aborted) return;
        const delay = error instanceof RemoteChangedError ? undefined : f.retryDelay(++failures, error);
        if (delay === undefined) {
          fatal ??= error;
          stop.abort(error);
          return;
        }
        await sleep(delay, undefined, { signal: stop.signal }).catch(() => {});
      }
      // A download waits to start: a borrowed connection goes back at the end of its range.
      if (lent > 0 && f.more!.wanted()) return;
      segment = stop.signal.aborted ? undefined : f.table.take();
    }
  };
  const workers: Promise<void>[] = [];
  const start = (first?: SegmentedFetch['first'], taken?: Segment) => {
    active++;
    workers.push(worker(first, taken).finally(ended));
  };
  // Connections that became idle in the run join while ranges are left to take over.
  let growing = false;
  let unsubscribe = () => {};
  const grow = () => {
    if (growing) return;
    growing = true;
    try {
      while (active < cap && !stop.signal.aborted && f.more!.borrow()) {
        const taken = f.table.take();
        if (!taken) {
          // Nothing left worth another connection (ranges only shrink): stop asking.
          f.more!.giveBack();
          unsubscribe();
          return;
        }
        lent++;
        start(undefined, taken);
      }
    } finally {
      growing = false;
    }
  };
  try {
    start(f.first);
    for (let i = 1; i < f.connections && (!f.more || f.more.borrow()); i++) {
      if (f.more) lent++;
      start();
    }
    if (f.more && cap > active) {
      unsubscribe = f.more.onSpare(grow);
      grow();
    }
    // Workers started while others run are awaited too.
    for (let i = 0; i < workers.length; i++) await workers[i];
  } finally {
    unsubscribe();
    f.signal.removeEventListener('abort', onAbort);
  }
  if (fatal) throw fatal;
  if (f.signal.aborted) throw new AbortedError(f.url.href, f.signal.reason);
  // Every byte must be there before the file may be moved into place.
  if (!f.table.complete()) {
    throw new TruncatedBodyError(f.table.size, f.table.doneBytes(), f.url.href);
  }
}

async function fetchRange(
  f: SegmentedFetch,
  seg: Segment,
  claim: number,
  open: HttpResponse | undefined,
  signal: AbortSignal,
) {
  // Only this claim moves `seg.pos`: the answer must start where the request asked, and each
  // chunk goes where this response's bytes belong.
  const from = seg.pos;
  let res = open;
  if (!res) {
    const sent = performance.now();
    res = await getFollowingRedirects(f.client, f.url, {
      headers: {
        ...f.headers,
        range: `bytes=${from}-${seg.end - 1}`,
        'if-range': ifRangeValue(f.validator)!,
      },
      maxRedirects: f.maxRedirects,
      signal,
      session: f.session,
      budget: f.budget,
    });
    f.table.noteRoundTrip(performance.now() - sent);
    if (res.status !== 206) {
      discardBody(res);
      if (res.status >= 200 && res.status < 300) {
        throw new RemoteChangedError(f.url.href, 'a range request was answered with the whole file');
      }
      throw new HttpStatusError(res.status, f.url.href, header(res.headers, 'retry-after'));
    }
  }
  const range = parseContentRange(header(res.headers, 'content-range'));
  if (
    !range ||
    range.start !== from ||
    range.size !== f.table.size ||
    validatorChanged(f.validator, readValidator(res.headers))
  ) {
    res.body.destroy();
    throw new RemoteChangedError(f.url.href, 'the range answered does not belong to this version');
  }
  // Bytes go up to the segment's end (it may shrink while this runs: a stolen tail belongs to
  // another connection), and never past the range the response names.
  const rangeEnd = range.end + 1;
  const body = res.body;
  const fail = (err: unknown) => body.destroy(err);
  const resume = () => body.resume();
  try {
    await body.pipeTo((chunk) => {
      const room = Math.min(seg.end, rangeEnd) - seg.pos;
      if (room <= 0) return void body.destroy();
      if (chunk.length > room && seg.end > rangeEnd) {
        throw new BodyTooLongError(rangeEnd - range.start, f.url.href);
      }
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (!f.table.holds(seg, claim))
        throw new InternalError(f.url.href, 'a segment changed hands mid-range');
      const ok = f.sink.write(piece, seg.pos);
      seg.pos += piece.length;
      f.onBytes(piece.length);
      // The segment is done. When its tail was stolen, or the response runs on past it (the
      // first response asks for the whole file), the rest is let go; a response that ends here
      // ends by itself and keeps its connection.
      if (seg.pos >= seg.end) {
        if (seg.pos < rangeEnd) body.destroy();
        return true;
      }
      if (ok) return true;
      f.sink.drained().then(resume, fail);
      return false;
    });
  } catch (err) {
    body.destroy();
    throw f.client.bodyError(err, f.url);
  }
  if (seg.pos < seg.end && !signal.aborted) {
    const expected = seg.end - seg.start;
    throw new TruncatedBodyError(expected, seg.pos - seg.start, f.url.href);
  }
}
