import path from 'node:path';
import type { DirectoryGuard } from '../storage/safe-path.js';
import { exists, existingSize, numberedName } from '../storage/finalize.js';
import { hashFile } from '../storage/hash-file.js';
import { existingSizeSync } from '../storage/small-file.js';
import type { DestinationClaims } from './claims.js';

/** What deciding a destination needs from the run. */
export interface DestinationContext {
  overwrite: 'skip' | 'overwrite' | 'rename';
  guard: DirectoryGuard;
  claims: DestinationClaims;
  /** Whether a direct stat is cheaper now than a trip through the thread pool. */
  direct: boolean;
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
  /** With `overwrite: 'skip'`, the file already there and right: size and SHA-256 (when computed). */
  existing?: { size: number; sha256: string | undefined };
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
): Promise<string> {
  await ctx.guard.ensure(folder);
  const real = ctx.claims.uniqueDerived(ctx.guard.realPath(path.join(folder, name)));
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
  const taken = (p: string) =>
    claims.isHeld(guard.realPath(p)) || claims.clash(guard.realPath(p)) !== undefined;
  if (overwrite === 'rename') {
    for (let n = 1, candidate = target; ; candidate = numberedName(target, n++)) {
      if (taken(candidate) || (await exists(candidate))) continue;
      if (taken(candidate)) continue; // taken while we looked at the disk
      return {
        finalPath: candidate,
        release: await claims.hold(guard.realPath(candidate)),
        freshFolder,
        realDir,
      };
    }
  }
  const release = await claims.hold(guard.realPath(target));
  const dest: Destination = { finalPath: target, release, freshFolder, realDir };
  if (overwrite === 'skip') {
    const size = ctx.direct ? existingSizeSync(target) : await existingSize(target);
    if (size !== undefined) {
      if (sha256 === undefined) return { ...dest, existing: { size, sha256: undefined } };
      const digest = await hashFile(target);
      if (digest === sha256.toLowerCase()) return { ...dest, existing: { size, sha256: digest } };
      // The file there is not the one asked for: fetch it again.
    }
  }
  return dest;
}
