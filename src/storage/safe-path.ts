import fs from 'node:fs/promises';
import path from 'node:path';
import { UnsafePathError } from '../errors/index.js';

const MAX_NAME_BYTES = 255;

/**
 * Makes one file-name component safe: no separators, control characters or NUL, not `.`/`..`,
 * no leading/trailing dots or spaces, at most 255 bytes (the extension is kept). Pure.
 * Returns '' when nothing usable is left.
 */
export function sanitizeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let s = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  s = s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (s === '' || s === '.' || s === '..') return '';
  if (Buffer.byteLength(s) > MAX_NAME_BYTES) {
    const ext = path.extname(s).slice(0, 32);
    // Cut whole code points, never half of a surrogate pair.
    const stem = Array.from(s.slice(0, s.length - ext.length));
    while (Buffer.byteLength(stem.join('') + ext) > MAX_NAME_BYTES) stem.pop();
    s = stem.join('') + ext;
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
  return { abs, isDir };
}

/**
 * Creates folders inside the download directory and checks that none of them is, or passes
 * through, a symlink that leads outside it. Verified folders are remembered for the run.
 */
export class DirectoryGuard {
  readonly root: string;
  #realRoot: Promise<string> | undefined;
  #rootCreated = false;
  readonly #verified = new Map<string, Promise<boolean>>();

  constructor(root: string) {
    this.root = root;
  }

  /**
   * Ensures `folder` (absolute, inside root) exists and really lies inside root. Resolves true
   * when this guard created it, so nothing in it predates the run.
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

  async #create(folder: string): Promise<boolean> {
    this.#realRoot ??= fs.mkdir(this.root, { recursive: true }).then((made) => {
      this.#rootCreated = made !== undefined;
      return fs.realpath(this.root);
    });
    const realRoot = await this.#realRoot;
    if (folder === this.root) return this.#rootCreated;
    const created = await fs.mkdir(folder, { recursive: true });
    const real = await fs.realpath(folder);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      throw new UnsafePathError(
        path.relative(this.root, folder),
        `a symlink leads outside the download directory`,
      );
    }
    return created !== undefined || this.#rootCreated;
  }
}
