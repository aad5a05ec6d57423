// The Node baseline a user would write: fetch + stream to file, at most N at once.
// Usage: node fetch.mjs N LIST   (LIST: one "URL relative/path" per line; paths relative to the cwd)
/* global process, fetch */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const limit = Number(process.argv[2]);
const lines = createInterface({ input: createReadStream(process.argv[3]), crlfDelay: Infinity });

async function download(line) {
  const space = line.indexOf(' ');
  const url = line.slice(0, space);
  const path = line.slice(space + 1);
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  await mkdir(dirname(path), { recursive: true });
  await pipeline(Readable.fromWeb(res.body), createWriteStream(path));
}

const running = new Set();
for await (const line of lines) {
  if (!line) continue;
  const job = download(line).finally(() => running.delete(job));
  running.add(job);
  if (running.size >= limit) await Promise.race(running);
}
await Promise.all(running);
