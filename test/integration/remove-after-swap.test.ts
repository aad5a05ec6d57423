import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { download } from '../../src/index.js';
import { tempDir } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';

const linux = process.platform === 'linux' && existsSync('/proc/self/fd');

test(
  'regression: a failure after a folder was swapped for a symlink removes nothing from where it leads',
  { skip: !linux && 'only Linux tells where an open folder is; elsewhere a file is removed by name' },
  async () => {
    const root = await tempDir();
    const victim = await tempDir();
    await fs.writeFile(path.join(victim, 'f.bin.part'), 'victim partial');
    await fs.writeFile(path.join(victim, 'f.bin.part.state'), '{}');
    const server = await startServer((req, res) => {
      if (req.url === '/first') return void res.end('first');
      // The first file is done: `sub` is moved away and its name now leads to the victim's folder.
      void (async () => {
        await fs.rename(path.join(root, 'sub'), path.join(root, 'moved'));
        await fs.symlink(victim, path.join(root, 'sub'));
        res.writeHead(404).end();
      })();
    });
    try {
      const results = await download(
        [
          { url: server.url('/first'), path: 'sub/a.bin' },
          { url: server.url('/second'), path: 'sub/f.bin' },
        ],
        { dir: root, retries: 0, concurrency: 1 },
      );
      assert.deepEqual(
        results.map((r) => `${r.status} ${r.error?.code ?? ''}`),
        ['ok ', 'failed HTTP_404'],
      );
      assert.deepEqual((await fs.readdir(victim)).sort(), ['f.bin.part', 'f.bin.part.state']);
      assert.equal(await fs.readFile(path.join(victim, 'f.bin.part'), 'utf8'), 'victim partial');
    } finally {
      await server.close();
    }
  },
);
