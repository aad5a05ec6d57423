// Checks a run that wrote WebDataset shards: every expected file is one member of a shard, with
// its size and SHA-256, matched to its URL through the member's JSON. Read with tar-stream, so
// the check does not trust parafetch's own index.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import type { FileEntry } from './data.js';
import type { Verdict } from './verify.js';

interface Member {
  size: number;
  sha256: string;
}

/** Every member of one tar: data members by key, and the URL each key's JSON names. */
async function readShard(file: string, data: Map<string, Member>, urls: Map<string, string>): Promise<void> {
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const dot = header.name.indexOf('.');
      const key = header.name.slice(0, dot);
      if (header.name.endsWith('.json') && !header.name.endsWith('.data.json')) {
        urls.set(key, (JSON.parse(body.toString('utf8')) as { url: string }).url);
      } else {
        data.set(key, { size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      }
      next();
    });
    stream.resume();
  });
  createReadStream(file).pipe(ex);
  await done;
}

/** All of `expected` must be in the shards under `outDir`, each exactly once, whole. */
export async function verifyShards(
  outDir: string,
  expected: readonly FileEntry[],
  urlOf: (file: FileEntry) => string,
): Promise<Verdict> {
  const data = new Map<string, Member>();
  const urls = new Map<string, string>();
  const shards = readdirSync(outDir).filter((n) => /^\d+\.tar$/.test(n));
  for (const shard of shards) await readShard(join(outDir, shard), data, urls);
  const byUrl = new Map<string, Member>();
  for (const [key, url] of urls) {
    const member = data.get(key);
    if (member) byUrl.set(url, member);
  }
  let missing = 0;
  let wrong = 0;
  for (const file of expected) {
    const member = byUrl.get(urlOf(file));
    if (!member) missing++;
    else if (member.size !== file.size || member.sha256 !== file.sha256) wrong++;
  }
  if (missing + wrong > 0) {
    return { ok: false, problem: `${missing} missing from ${shards.length} shards, ${wrong} wrong` };
  }
  if (data.size !== expected.length)
    return { ok: false, problem: `${data.size} members, want ${expected.length}` };
  return { ok: true };
}
