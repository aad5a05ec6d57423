import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { download } from '../../src/index.js';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';

// Regression: a destination folder that could not be created came back as CONNECTION_ERROR.
describe('a destination that cannot be written is a DISK_ERROR naming the path and errno', () => {
  const cases: Array<{
    name: string;
    setup: (base: string) => Promise<{ dir: string; path?: string; named: string }>;
    errno: RegExp;
  }> = [
    {
      name: 'dir names a file',
      setup: async (base) => {
        const dir = path.join(base, 'a-file');
        await fs.writeFile(dir, 'x');
        return { dir, named: dir };
      },
      errno: /EEXIST|ENOTDIR/,
    },
    {
      name: 'dir lies under a file',
      setup: async (base) => {
        await fs.writeFile(path.join(base, 'a-file'), 'x');
        const dir = path.join(base, 'a-file', 'dl');
        return { dir, named: dir };
      },
      errno: /ENOTDIR/,
    },
    {
      name: "an item's folder is a file",
      setup: async (base) => {
        await fs.writeFile(path.join(base, 'taken'), 'x');
        return { dir: base, path: 'taken/x.bin', named: path.join(base, 'taken') };
      },
      errno: /EEXIST|ENOTDIR/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const server = await startServer((req, res) => serveBody(req, res, bytes(10)));
      try {
        const { dir, path: p, named } = await c.setup(await tempDir());
        const [r] = await download(
          [p === undefined ? server.url('/x.bin') : { url: server.url('/x.bin'), path: p }],
          {
            dir,
          },
        );
        assert.equal(r!.status, 'failed');
        assert.equal(r!.error?.code, 'DISK_ERROR', r!.error?.message);
        assert.match(r!.error!.message, c.errno);
        assert.ok(r!.error!.message.includes(named), r!.error!.message);
        assert.equal(server.requests.length, 0, 'no request was sent');
      } finally {
        await server.close();
      }
    });
  }
});
