import fs from 'node:fs/promises';
import path from 'node:path';
import { UnsafePathError } from '../errors/index.js';
import { fdPathsKnown } from './placement.js';
import { diskError, makeInside } from './make-folder.js';

/** The longest suffix the project adds to a file's name: `NAME.part.state.tmp`. */
export const LONGEST_SUFFIX = '.part.state.tmp';
/**
 * The longest file name a download may have: 255 bytes (the usual NAME_MAX) less the longest
 * suffix, so that every file beside it (`.part`, `.part.state`, `.part.state.tmp`) can exist.
 */
export const MAX_NAME_BYTES = 255 - Buffer.byteLength(LONGEST_SUFFIX);

/**
 * `stem + ext` cut to at most `max` bytes: the stem loses whole code points from its end (never
 * half of a surrogate pair), the extension is kept. Pure.
 */
export function fitName(stem: string, ext: string, max = MAX_NAME_BYTES): string {
  const e = ext;
  if (Buffer.byteLength(stem + e) <= max) return stem + e;
  const chars = Array.from(stem);
  while (chars.length > 0 && Buffer.byteLength(chars.join('') + e) > max) chars.pop();
  const out = chars.join('') + e;
  // An extension alone too long: cut it as well.
  if (Buffer.byteLength(out) <= max) return out;
  const all = Array.from(out);
  while (Buffer.byteLength(all.join('')) > max) all.pop();
  return all.join('');
}

/**
 * Makes one file-name component safe: no separators, control characters or NUL, not `.`/`..`,
 * no leading/trailing dots or spaces, at most MAX_NAME_BYTES (240) bytes, the extension kept.
 * Pure. Returns '' when nothing usable is left.
 */
export function sanitizeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let s = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  s = s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (s === '' || s === '.' || s === '..') return '';
  if (Buffer.byteLength(s) > MAX_NAME_BYTES) {
    const ext = path.extname(s).slice(0, 32);
    s = fitName(s.slice(0, s.length - ext.length), ext).replace(/[.\s]+$/, '');
  }
  return s;
}

/**
 * Resolves a caller-given relative destination inside `dir`. Pure. Rejects absolute paths,
 * NUL bytes and any `..` that would leave `dir`. A trailing `/` marks a folder (the file name
 * is derived later): `isDir` says so.
 */
export function resolveInside(dir: string, relative: string): { abs: string; isDir: boolean } {
  if (relative === '') throw new UnsafePathError(relative, 'empty path');
  if (relative.includes('\0')) throw new UnsafePathError(relative, 'NUL byte in path');
  if (path.isAbsolute(relative) || /^[a-zA-Z]:[\\/]/.test(relative)) {
    throw new UnsafePathError(relative, 'absolute paths are not allowed; give a path relative to dir');
  }
  const isDir = relative.endsWith('/');
  const abs = path.resolve(dir, relative);
  if (abs !== dir && !abs.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)) {
    throw new UnsafePathError(relative, 'it leaves the download directory');
  }
  if (!isDir && abs === dir) throw new UnsafePathError(relative, 'it names the download directory itself');
  const name = Buffer.byteLength(path.basename(abs));
  if (!isDir && name > MAX_NAME_BYTES) {
    throw new UnsafePathError(
      relative,
      `its file name is ${name} bytes; at most ${MAX_NAME_BYTES} leave room for the "${LONGEST_SUFFIX}" suffix`,
    );
  }
  return { abs, isDir };
}

/**
 * Creates folders inside the download directory and checks that none of them is, or passes
 * through, a symlink that leads outside it; no folder is ever created outside (see makeInside). Verified folders are remembered for the run, with
 * their real paths: files opened in them are checked against those (see placement.ts), which
 * catches a folder swapped for a symlink later in the run.
 */
export class DirectoryGuard {
  readonly root: string;
  #realRoot: Promise<string> | undefined;
  #rootCreated = false;
  readonly #verified = new Map<string, Promise<boolean>>();
  readonly #real = new Map<string, string>();

  constructor(root: string) {
    this.root = root;
  }

  /**
   * Ensures `folder` (absolute, inside root) exists and really lies inside root. Resolves true
   * when this guard created it, so nothing in it predates the run. Fails with DISK_ERROR when
   * it cannot be created (a file in the way, no permission), UNSAFE_PATH when it leads outside.
   */
  ensure(folder: string): Promise<boolean> {
    let p = this.#verified.get(folder);
    if (!p) {
      p = this.#create(folder);
      this.#verified.set(folder, p);
      p.catch(() => this.#verified.delete(folder));
    }
    return p;
  }

  /**
   * The real path of a folder `ensure` verified, for checking where files opened in it are; or
   * undefined when the platform cannot tell where an open file is (then the check of `ensure`,
   * once per folder and run, is all there is).
   */
  realDir(folder: string): string | undefined {
    return fdPathsKnown() ? this.#real.get(folder) : undefined;
  }

  /**
   * Where `p`, in a folder `ensure` verified, really is (its folder's real path): two names of
   * one file, through a symlink inside the download directory, give the same answer. `p` itself
   * when its folder was not verified.
   */
  realPath(p: string): string {
    const real = this.#real.get(path.dirname(p));
    return real === undefined ? p : path.join(real, path.basename(p));
  }

  async #create(folder: string): Promise<boolean> {
    this.#realRoot ??= (async () => {
      try {
        this.#rootCreated = (await fs.mkdir(this.root, { recursive: true })) !== undefined;
      } catch (err) {
        throw diskError('create the download directory', this.root, err);
      }
      try {
        const real = await fs.realpath(this.root);
        this.#real.set(this.root, real);
        return real;
      } catch (err) {
        throw diskError('resolve the download directory', this.root, err);
      }
    })();
    const realRoot = await this.#realRoot;
    if (folder === this.root) return this.#rootCreated;
    const { real, created } = await makeInside(this.root, realRoot, folder);
    this.#real.set(folder, real);
    return created || this.#rootCreated;
  }
}
