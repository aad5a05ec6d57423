import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';
import { jsonLines, runCli } from './cli.js';

/** A character a terminal may act on; a line feed only ends a line. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function firstRaw(text: string): string {
  const m = RAW.exec(text);
  if (!m) return 'none';
  return `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} in ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40))}`;
}

test('control characters from a manifest and from a server never reach the terminal raw: they are printed escaped', async () => {
  const server = await startServer((req, res) => {
    if (req.url === '/named') {
      // A name with a one-character CSI and a right-to-left override, percent-encoded as RFC 8187 allows.
      res.setHeader('content-disposition', "attachment; filename*=UTF-8''evil%C2%9B2J%E2%80%AEgpj.exe");
      serveBody(req, res, bytes(100, 3));
    } else res.writeHead(404).end();
  });
  try {
    const hostile = `${server.url('/x')}\u001b]0;pwned\u0007\u001b[2J\u2028\u009b`;
    const list = path.join(await tempDir('parafetch-list-'), 'hostile.jsonl');
    await fs.writeFile(
      list,
      [
        JSON.stringify({ url: hostile }),
        JSON.stringify({ url: server.url('/named') }),
        JSON.stringify({ url: 'ftp://h/\u009b2J\u001b[31m' }),
        `{"url": "${server.url('/y')}\u007f", "bad": 1, "\\u001b[5m": 2}`,
        JSON.stringify({ url: server.url('/z'), key: 'k\u009b2J\u202e' }),
      ].join('\n'),
    );
    const columns = path.join(path.dirname(list), 'hostile.csv');
    await fs.writeFile(columns, 'url,\u009b5m,\u009b5m\n');
    for (const progress of ['plain', 'none']) {
      const dir = await tempDir();
      const r = await runCli([
        '-i',
        list,
        '-i',
        columns,
        '-d',
        dir,
        '--content-disposition',
        '--progress',
        progress,
        '--json',
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(firstRaw(r.stderr), 'none', `${progress}: stderr holds a raw control character`);
      const escapedUrl = `${server.url('/x')}\\x1b]0;pwned\\x07\\x1b[2J\\u2028\\x9b`;
      // The summary's example URLs, and the failure line of plain output.
      assert.ok(r.stderr.includes(`HTTP_404 ×2  ${escapedUrl}`), `${progress}: ${r.stderr}`);
      if (progress === 'plain') {
        assert.ok(r.stderr.includes(`failed   HTTP_404  ${escapedUrl}  server answered 404`), r.stderr);
        assert.match(r.stderr, /^ok +100 B {2}evil\\x9b2J\\u202egpj\.exe {2}/m);
      }
      // Input errors and warnings.
      assert.ok(r.stderr.includes('unsupported URL scheme "ftp:" in "ftp://h/\\x9b2J\\u001b[31m"'), r.stderr);
      assert.ok(
        r.stderr.includes('invalid key "k\\x9b2J\\u202e": it holds an unprintable character'),
        r.stderr,
      );
      assert.ok(r.stderr.includes('columns ignored (repeated or without a name): "\\x9b5m"'), r.stderr);
      // --json stays valid JSON with the same strings, and holds no raw control character either.
      assert.equal(firstRaw(r.stdout), 'none', `${progress}: stdout holds a raw control character`);
      const events = jsonLines(r.stdout);
      const failed = events.filter((e) => e.event === 'result' && e.status === 'failed').map((e) => e.url);
      assert.deepEqual(failed, [hostile, `${server.url('/y')}\u007f`]);
      assert.deepEqual(await fs.readdir(dir), ['evil\u009b2J\u202egpj.exe']);
    }
  } finally {
    await server.close();
  }
});
