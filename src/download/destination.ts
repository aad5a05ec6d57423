import { itemUrls } from './mirrors.js';
import path from 'node:path';
import type { DirectoryGuard } from '../storage/safe-path.js';
import { resolveInside } from '../storage/safe-path.js';
import { exists, existingSize, numberedName } from '../storage/finalize.js';
import { hashFile } from '../storage/hash-file.js';
import { existingSizeSync, type SyncWriteGate } from '../storage/small-file.js';
import type { HttpResponse } from '../transport/client.js';
import { header } from '../transport/headers.js';
import type { Claims } from './claims.js';
import type { DownloadState } from './download-state.js';
import type { DownloadItem } from './item.js';
import { nameFromContentDisposition, nameFromUrl } from './naming.js';
import { loadResume } from './resume-load.js';
import { stealPolicy } from './segmented-download.js';

/** What deciding a destination needs from the run. */
export interface DestinationContext {
  overwrite: 'skip' | 'overwrite' | 'rename';
  /** With `overwrite: 'skip'`: a file there is continued from its length rather than kept. */
  continue?: boolean;
  guard: DirectoryGuard;
  claims: Claims;
  /** Whether a direct stat is cheaper now than a trip through the thread pool. */
  direct: boolean;
}

/** A file already at the destination and right: its size and SHA-256 (when computed). */
export interface Existing {
  size: number;
  sha256: string | undefined;
}

/** A destination held for one download. */
export interface Destination {
  finalPath: string;
  /** Lets another download of the same path go on. */
  release: () => void;
  /** Whether the folder was created by this run (so it holds no partial download of an earlier one). */
  freshFolder: boolean;
  /** The folder's real path, for checking where files opened in it are (see storage/placement.ts). */
  realDir: string | undefined;
  /** With `overwrite: 'skip'`, the file already there and right. */
  existing?: Existing;
  /** With `continue`: the length of the file there, which the download continues from. */
  continueFrom?: number;
}

/**
 * A name derived for a file in `folder` (created and checked first), unique in the run by real
 * path: two folder names of one real folder (a symlink inside the download directory) share
 * their numbering.
 */
export async function uniqueDerivedIn(
  ctx: Pick<DestinationContext, 'guard' | 'claims'>,
  folder: string,
  name: string,
  index?: number,
  source?: string,
): Promise<string> {
  await ctx.guard.ensure(folder);
  const real = await ctx.claims.uniqueDerived(ctx.guard.realPath(path.join(folder, name)), index, source);
  return path.join(folder, path.basename(real));
}

/**
 * Applies the overwrite policy to `target`, holds the chosen path in the run's claims (by its
 * real path), and creates its folder (checked to lie inside the download directory).
 */
export async function settleDestination(
  ctx: DestinationContext,
  target: string,
  sha256: string | undefined,
): Promise<Destination> {
  const { overwrite, claims, guard } = ctx;
  const folder = path.dirname(target);
  const freshFolder = await guard.ensure(folder);
  const realDir = guard.realDir(folder);
  // Claims go by real path: one file reached through two folder names is one destination.
  const taken = (p: string) => claims.taken(guard.realPath(p));
  if (overwrite === 'rename') {
    for (let n = 1, candidate = target; ; candidate = numberedName(target, n++)) {
      if ((await taken(candidate)) || (await exists(candidate))) continue;
      // Taken while we looked at the disk: the next one.
      const release = await claims.tryHold(guard.realPath(candidate));
      if (release) return { finalPath: candidate, release, freshFolder, realDir };
    }
  }
  const release = await claims.hold(guard.realPath(target));
  const dest: Destination = { finalPath: target, release, freshFolder, realDir };
  if (overwrite === 'skip') {
    const size = ctx.direct ? existingSizeSync(target) : await existingSize(target);
    if (size !== undefined) {
      if (ctx.continue && size > 0) {
        // A checksum that matches says it is whole; else it may be the start of the file.
        if (sha256 !== undefined && (await hashFile(target)) === sha256.toLowerCase()) {
          return { ...dest, existing: { size, sha256: sha256.toLowerCase() } };
        }
        return { ...dest, continueFrom: size };
      }
      if (sha256 === undefined) return { ...dest, existing: { size, sha256: undefined } };
      const digest = await hashFile(target);
      if (digest === sha256.toLowerCase()) return { ...dest, existing: { size, sha256: digest } };
      // The file there is not the one asked for: fetch it again.
    }
  }
  return dest;
}

/** What choosing one item's destination reads of the run's options. */
export interface ChooserOptions {
  dir: string;
  contentDisposition: boolean;
  overwrite: DestinationContext['overwrite'];
  continue: boolean;
  minSplitSize: number;
}

/** What choosing one item's destination needs from its run. */
export interface ChooserContext {
  options: ChooserOptions;
  guard: DirectoryGuard;
  claims: Claims;
  /** Whether small files are written with direct calls (see SyncWriteGate). */
  syncWrites: SyncWriteGate;
}

/**
 * Chooses where one item goes, holds that path for the run, and picks up the partial download
 * an earlier run left there: from the item's path or URL before the request, or from the
 * response (`Content-Disposition`) when asked. What it decides goes into the DownloadState.
 */
export class DestinationChooser {
  readonly #ctx: ChooserContext;
  readonly #item: DownloadItem;
  readonly #s: DownloadState;
  /** Pieces a split download is cut into (what a resumed state is planned against). */
  readonly #pieces: number;
  /** The item's place in the input. */
  readonly #index: number | undefined;
  #folder = '';
  #release: (() => void) | undefined;
  /** Whether the destination's folder was created by this run. */
  #freshFolder = false;

  constructor(ctx: ChooserContext, item: DownloadItem, s: DownloadState, pieces: number, index?: number) {
    this.#ctx = ctx;
    this.#index = index;
    this.#item = item;
    this.#s = s;
    this.#pieces = pieces;
  }

  /**
   * Decides the destination when it does not depend on the response (else leaves
   * `finalPath` unset). Resolves with the file already there when it is to be skipped.
   */
  async beforeRequest(firstUrl: URL): Promise<Existing | undefined> {
    const { options } = this.#ctx;
    this.#folder = options.dir;
    if (this.#item.path !== undefined) {
      const { abs, isDir } = resolveInside(options.dir, this.#item.path);
      if (!isDir) return this.#settleAndLoad(abs);
      this.#folder = abs;
    }
    if (options.contentDisposition) return undefined;
    // The same URL again in the list is the same file: it is fetched once, and the other item
    // finds it there (skipped). Asked to keep both or to overwrite, it is fetched again.
    const source = options.overwrite === 'skip' ? firstUrl.href : undefined;
    return this.#settleAndLoad(
      await uniqueDerivedIn(this.#ctx, this.#folder, nameFromUrl(firstUrl), this.#index, source),
    );
  }

  /**
   * Decides the destination from the response (`Content-Disposition`, else the URL), and picks
   * up a partial download an earlier run left there (the job then asks for the rest).
   */
  async fromResponse(res: HttpResponse, firstUrl: URL): Promise<Existing | undefined> {
    const name =
      nameFromContentDisposition(header(res.headers, 'content-disposition')) ?? nameFromUrl(firstUrl);
    return this.#settleAndLoad(await uniqueDerivedIn(this.#ctx, this.#folder, name, this.#index));
  }

  /** Lets another download of the same path go on (once). */
  release(): void {
    this.#release?.();
    this.#release = undefined;
  }

  async #settleAndLoad(target: string): Promise<Existing | undefined> {
    const { skipped, continueFrom } = await this.#settle(target);
    // A folder this run created holds no partial download of an earlier run.
    if (!skipped && !this.#freshFolder) await this.#loadResumeState();
    // A partial download of it an earlier run left goes further than the file: it goes on.
    if (continueFrom !== undefined && this.#s.bytes === 0 && !this.#s.table) {
      this.#s.bytes = continueFrom;
      this.#s.continuing = 'final';
    }
    return skipped;
  }

  /** Picks up a partial download an earlier run left, when its state can be trusted. */
  async #loadResumeState(): Promise<void> {
    const { options, syncWrites } = this.#ctx;
    const s = this.#s;
    const { stateOnDisk, resume } = await loadResume(s.part, {
      urls: itemUrls(this.#item),
      pieces: this.#pieces,
      minSplitSize: options.minSplitSize,
      steal: stealPolicy(options.minSplitSize),
      direct: syncWrites.enabled,
    });
    s.stateOnDisk = stateOnDisk;
    s.streamState = stateOnDisk;
    if (!resume) return;
    s.validator = resume.validator;
    s.total = resume.total;
    s.bytes = resume.bytes;
    s.table = resume.table;
    s.streamState = resume.streamState;
  }

  /** Applies the overwrite policy to `target`, holds it, and creates its folder. */
  async #settle(target: string): Promise<{ skipped?: Existing; continueFrom?: number }> {
    const { options, claims, guard, syncWrites } = this.#ctx;
    const dest = await settleDestination(
      { overwrite: options.overwrite, continue: options.continue, claims, guard, direct: syncWrites.enabled },
      target,
      this.#item.sha256,
    );
    this.#release = dest.release;
    this.#s.finalPath = dest.finalPath;
    this.#s.realDir = dest.realDir;
    this.#freshFolder = dest.freshFolder;
    return {
      ...(dest.existing ? { skipped: dest.existing } : {}),
      ...(dest.continueFrom ? { continueFrom: dest.continueFrom } : {}),
    };
  }
}
