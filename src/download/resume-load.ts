import { existsSync } from 'node:fs';
import { existingSize } from '../storage/finalize.js';
import { loadState, statePathFor, stateTmpPathFor } from '../storage/resume-state.js';
import { ifRangeValue, type Validator } from './response.js';
import {
  SegmentTable,
  missingRanges,
  rangesEnd,
  planSegments,
  type ByteRange,
  type StealPolicy,
} from './segments.js';

/** A partial download an earlier run left, that this run may continue. */
export interface Resume {
  validator: Validator;
  /** The file's full size. */
  total: number;
  /** Bytes held from offset 0: what a single stream continues from. */
  bytes: number;
  /** The ranges to fetch over several connections (or none left), when not one stream. */
  table?: SegmentTable;
  /**
   * The state on disk is a single stream's, whose `.part` file's length is its progress: before
   * that file may be laid out in full, the state must be replaced by one naming its ranges.
   */
  streamState: boolean;
}

export interface ResumeLoad {
  /** Whether a state file is there (valid or not), so it must be removed before a fresh start. */
  stateOnDisk: boolean;
  resume?: Resume;
}

export interface ResumePlan {
  /** The item's URLs: a state for another URL is not continued. */
  urls: readonly string[];
  /** Pieces a split download is cut into (1: a single stream). */
  pieces: number;
  minSplitSize: number;
  steal: StealPolicy;
  /** Whether one direct check for the state file is cheaper than a read through the thread pool. */
  direct: boolean;
}

/**
 * Reads the resume state beside `part` and decides how to continue, trusting only what the
 * state and the `.part` file prove together: a segmented state names ranges laid out in a file
 * at least that long; a single stream's file holds bytes `[0, its length)`. A single stream
 * goes on as one unless it is resumed over several connections.
 */
export async function loadResume(part: string, plan: ResumePlan): Promise<ResumeLoad> {
  const statePath = statePathFor(part);
  // Only a state's temporary file (a run killed as it wrote its first state): removed as a state is.
  const leftover = () => existsSync(stateTmpPathFor(statePath));
  if (plan.direct && !existsSync(statePath)) return { stateOnDisk: leftover() };
  const state = await loadState(statePath);
  if (!state) return { stateOnDisk: leftover() };
  if (state === 'invalid') return { stateOnDisk: true };
  const validator: Validator = {};
  if (state.etag) validator.etag = state.etag;
  if (state.lastModified) validator.lastModified = state.lastModified;
  if (!plan.urls.includes(state.url) || ifRangeValue(validator) === undefined) return { stateOnDisk: true };
  const partSize = await existingSize(part);
  if (partSize === undefined || partSize > state.size) return { stateOnDisk: true };
  const total = state.size;
  if (state.stream && plan.pieces <= 1 && partSize < total) {
    return { stateOnDisk: true, resume: { validator, total, bytes: partSize, streamState: true } };
  }
  const done: ByteRange[] = state.stream ? [[0, partSize]] : state.done;
  if (!state.stream && partSize < rangesEnd(done)) return { stateOnDisk: true };
  const pieces = planSegments(missingRanges(done, total), plan.pieces, plan.minSplitSize);
  const table = new SegmentTable(total, done, pieces, plan.steal);
  return {
    stateOnDisk: true,
    resume: { validator, total, bytes: table.doneBytes(), table, streamState: state.stream === true },
  };
}
