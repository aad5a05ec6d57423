// Test data: deterministic files (an AES-256-CTR keystream seeded by the file's name, so every
// file differs and a mix-up is caught), generated once into bench/.work/data with a manifest of
// sizes and sha256s; and the per-tool list files that point at them.
import { createCipheriv, createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

const CHUNK = 4 * 1024 * 1024;

export interface FileSpec {
  /** Path inside the dataset. */
  rel: string;
  size: number;
}

export interface FileEntry extends FileSpec {
  sha256: string;
}

export interface Dataset {
  name: string;
  dir: string;
  files: FileEntry[];
  totalBytes: number;
}

/** A small seeded PRNG (mulberry32), so generated sizes are the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `size` deterministic bytes to `path` and returns their sha256. */
function writeDeterministic(path: string, size: number, seed: string): string {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(Math.min(Math.max(size, 1), CHUNK));
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0;) {
      const n = Math.min(left, zeros.length);
      const chunk = cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n));
      hash.update(chunk);
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Generates the dataset unless a complete one with the same file list is already there. */
export function ensureDataset(dataDir: string, name: string, specs: FileSpec[]): Dataset {
  const dir = join(dataDir, name);
  const manifestPath = join(dir, 'manifest.json');
  const totalBytes = specs.reduce((sum, f) => sum + f.size, 0);
  if (existsSync(manifestPath)) {
    const files = JSON.parse(readFileSync(manifestPath, 'utf8')) as FileEntry[];
    const same =
      files.length === specs.length &&
      files.every((f, i) => f.rel === specs[i]?.rel && f.size === specs[i]?.size);
    if (same) return { name, dir, files, totalBytes };
  }
  rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  const files = specs.map((spec) => {
    const path = join(dir, spec.rel);
    mkdirSync(dirname(path), { recursive: true });
    return { ...spec, sha256: writeDeterministic(path, spec.size, `parafetch-bench/${name}/${spec.rel}`) };
  });
  writeFileSync(manifestPath, JSON.stringify(files));
  console.log(
    `  generated ${name}: ${specs.length} files, ${mib(totalBytes)} in ${(Date.now() - t0) / 1000} s`,
  );
  return { name, dir, files, totalBytes };
}

/** Reads every file once so the server serves them from the page cache. */
export function warmPageCache(dataset: Dataset): void {
  const buf = Buffer.alloc(CHUNK);
  for (const file of dataset.files) {
    const fd = openSync(join(dataset.dir, file.rel), 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

export function mib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** One download: where from, and where to (relative to the output directory). */
export interface ListItem {
  url: string;
  rel: string;
}

/** The same list in each tool's input format. */
export interface ListFiles {
  /** `URL<space>relative/path` per line: parafetch, the Python pool, the Node fetch script. */
  plain: string;
  /** aria2c -i: the URL, then an indented `out=` option. */
  aria2: string;
  /** curl -K: `url = ...` and `output = ...`. */
  curl: string;
  /** URLs only (wget2 -i; it derives the path from the URL with -x -nH --cut-dirs=1). */
  urls: string;
  count: number;
}

/** Writes the list files for `items` into `dir`. */
export function writeLists(dir: string, items: Iterable<ListItem>): ListFiles {
  mkdirSync(dir, { recursive: true });
  const files: ListFiles = {
    plain: join(dir, 'list.txt'),
    aria2: join(dir, 'aria2.txt'),
    curl: join(dir, 'curl.txt'),
    urls: join(dir, 'urls.txt'),
    count: 0,
  };
  const fds = {
    plain: openSync(files.plain, 'w'),
    aria2: openSync(files.aria2, 'w'),
    curl: openSync(files.curl, 'w'),
    urls: openSync(files.urls, 'w'),
  };
  let plain = '';
  let aria2 = '';
  let curl = '';
  let urls = '';
  const flush = (): void => {
    writeSync(fds.plain, plain);
    writeSync(fds.aria2, aria2);
    writeSync(fds.curl, curl);
    writeSync(fds.urls, urls);
    plain = aria2 = curl = urls = '';
  };
  for (const { url, rel } of items) {
    plain += `${url} ${rel}\n`;
    aria2 += `${url}\n  out=${rel}\n`;
    curl += `url = "${url}"\noutput = "${rel}"\n`;
    urls += `${url}\n`;
    if (++files.count % 20_000 === 0) flush();
  }
  flush();
  for (const fd of Object.values(fds)) closeSync(fd);
  return files;
}
