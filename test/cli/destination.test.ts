import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/fs.js';
import { startServer } from '../helpers/server.js';
import { jsonLines, runCli } from './cli.js';

test('regression: -d naming a file is a DISK_ERROR naming the folder for every item, found before any request', async () => {
  const server = await startServer((_req, res) => void res.end('x'));
  try {
    const work = await tempDir();
    const notADir = path.join(work, 'plain-file');
    await fs.writeFile(notADir, 'I am a file');
    for (const dir of [notADir, path.join(notADir, 'sub')]) {
      const r = await runCli(['-d', dir, '--json', '--progress', 'none', server.url('/a'), server.url('/b')]);
      assert.equal(r.code, 1, r.stderr);
      const results = jsonLines(r.stdout).filter((e) => e.event === 'result');
      assert.equal(results.length, 2, 'one result per item');
      for (const e of results) {
        const error = e.error as { code: string; message: string };
        assert.equal(error.code, 'DISK_ERROR');
        assert.ok(error.message.includes(dir), error.message);
      }
      assert.match(r.stderr, /DISK_ERROR ×2/);
      assert.equal(server.requests.length, 0, 'no request was sent');
    }
    assert.equal(await fs.readFile(notADir, 'utf8'), 'I am a file');
  } finally {
    await server.close();
  }
});
