import type { Hash } from 'node:crypto';
import { partPathFor } from '../storage/finalize.js';
import { removeOwn } from '../storage/remove.js';
import { saveState, statePathFor, stateTmpPathFor, type ResumeState } from '../storage/resume-state.js';
import type { FileSink } from '../storage/file-sink.js';
import { HttpStatusError, RemoteChangedError } from '../errors/index.js';
import type { HttpResponse } from '../transport/client.js';
import { contentLength, header } from '../transport/headers.js';
import {
  ifRangeValue,
  parseContentRange,
  type ContentRange,
  readValidator,
  validatorChanged,
  type Validator,
} from './response.js';
import type { SegmentTable } from './segments.js';

/**
 * What one download knows of its file across attempts: where it goes, which version of the
 * remote file the `.part` file holds and how much of it, and whether a resume state lies beside
 * it. The rule it keeps: the state on disk only ever claims bytes the `.part` file durably
 * holds, at every moment. So the state is removed before a part file is restarted from zero
 * (`dropState`), and a single stream's state (whose claim is "the file's length") is replaced
 * by one naming its range before that file is laid out in full (`stateAsRanges`).
 */
export class DownloadState {
  /** The item's URL, recorded in the state. */
  readonly url: string;
  /** Where the file will appear, once decided. */
  finalPath: string | undefined;
  /** The destination folder's real path, when the platform can check open files against it. */
  realDir: string | undefined;
  /** Bytes of the current version on disk in the part file, from offset 0. */
  bytes = 0;
  /** Full size, when the server said. */
  total: number | undefined;
  /**
   * Bytes of a version received whole and thrown away because its checksum did not match (set
   * before the restart that forgets them), until the next attempt: what a failure reports.
   */
  discarded = 0;
  validator: Validator | undefined;
  /** SHA-256 of the bytes `[0, bytes)` of this version, carried across attempts. */
  hash: Hash | undefined;
  /** Where the current response's body must end at the latest (its range, or the size). */
  limit: number | undefined;
  /** The segments of a ranged download; kept across attempts to resume them. */
  table: SegmentTable | undefined;
  /** Set once ranges proved unreliable for this file: later attempts use one stream. */
  noSplit = false;
  /** Whether a resume state file may exist beside the part file (so it must be removed). */
  stateOnDisk = false;
  /** Whether that state may be a single stream's (its part file's length is its progress). */
  streamState = false;
  /**
   * Continuing a shorter file found at the final name (`continue`): its first `bytes` are in the
   * final file (`'final'`) until a range answer takes them into the part file (`'part'`).
   */
  continuing: 'final' | 'part' | undefined;

  constructor(url: string) {
    this.url = url;
  }

  get part(): string {
    return partPathFor(this.finalPath!);
  }

  get statePath(): string {
    return statePathFor(this.part);
  }

  /** Forgets the version: the next attempt starts from zero. */
  restart(): void {
    this.continuing = undefined;
    this.bytes = 0;
    this.total = undefined;
    this.validator = undefined;
    this.hash = undefined;
  }

  /** A new version starts at offset 0. */
  begin(validator: Validator): void {
    this.restart();
    this.validator = validator;
  }

  /** The state a later run needs to continue, or undefined when there is nothing to resume. */
  resumeState(): ResumeState | undefined {
    const v = this.validator;
    if (!v || ifRangeValue(v) === undefined || this.total === undefined) return undefined;
    const done = this.table ? this.table.doneRanges() : [[0, this.bytes] as const];
    const state: ResumeState = {
      version: 1,
      url: this.url,
      size: this.total,
      done: done.map(([a, b]) => [a, b]),
    };
    if (!this.table) state.stream = true;
    if (v.etag) state.etag = v.etag;
    if (v.lastModified) state.lastModified = v.lastModified;
    return state;
  }

  /**
   * Removes the resume state and forgets it, when one may be there (or `always`); never through
   * a folder that no longer is the one checked inside the download directory (see removeOwn).
   */
  async dropState(always = false): Promise<void> {
    if (!always && !this.stateOnDisk) return;
    this.stateOnDisk = false;
    this.streamState = false;
    await removeOwn(this.statePath, this.realDir);
    // A run killed while it wrote a state leaves its temporary file: it goes with the state.
    await removeOwn(stateTmpPathFor(this.statePath), this.realDir);
  }

  /** Records a single stream's progress (its part file's length) once its bytes are written. */
  async saveStreamState(): Promise<void> {
    const state = this.resumeState();
    if (!state) return;
    this.stateOnDisk = true;
    this.streamState = true;
    await saveState(this.statePath, state, this.realDir);
  }

  /**
   * Before `sink`'s file is laid out in full: a single stream's state there would claim it all,
   * so the bytes it holds are flushed and the state replaced by one naming them as a range.
   */
  async stateAsRanges(sink: FileSink): Promise<void> {
    if (!this.stateOnDisk || !this.streamState) return;
    await sink.sync();
    this.streamState = false;
    await saveState(this.statePath, this.resumeState()!, this.realDir);
  }

  /**
   * Whether a range answering a resume belongs to the version on disk: same validator, and the
   * same size (a different one is another version, whatever its validator says), ending within it.
   */
  #continues(range: ContentRange, now: Validator): boolean {
    if (validatorChanged(this.validator, now)) return false;
    const size = range.size ?? this.total;
    if (this.total !== undefined && size !== this.total) return false;
    return size === undefined || range.end < size;
  }

  /** Decides where the response's bytes go; throws for statuses that carry no file. */
  place(res: HttpResponse, resumeFrom: number): number {
    const now = readValidator(res.headers);
    if (res.status === 206) {
      const range = parseContentRange(header(res.headers, 'content-range'));
      if (!range || range.start !== resumeFrom || (resumeFrom > 0 && !this.#continues(range, now))) {
        this.restart();
        throw new RemoteChangedError(res.url.href, 'the partial content does not continue the bytes on disk');
      }
      if (resumeFrom === 0) this.begin(now);
      // Continuing a file found at the final name: this answer's validator is the version's.
      else this.validator ??= now;
      // A resume keeps the size it knows when the range leaves it unsaid (`*`).
      this.total = range.size ?? (resumeFrom > 0 ? this.total : undefined);
      // The body carries exactly the range it names: nothing past it is ever written.
      this.limit = range.end + 1;
      return resumeFrom;
    }
    if (res.status >= 200 && res.status < 300) {
      // A full body: the first attempt, or a server that ignored Range or has a new version.
      this.begin(now);
      this.total = res.status === 204 ? 0 : contentLength(res.headers);
      this.limit = this.total;
      return 0;
    }
    if (res.status === 416 && resumeFrom > 0) {
      this.restart();
      throw new RemoteChangedError(res.url.href, 'the server cannot continue from the bytes on disk');
    }
    throw new HttpStatusError(res.status, res.url.href, header(res.headers, 'retry-after'));
  }
}
