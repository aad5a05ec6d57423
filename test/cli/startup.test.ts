import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fileSha256, tempDir } from '../helpers/fs.js';
import { bytes, serveBody, sha256, startServer } from '../helpers/server.js';
import { runCli } from './cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The file the package's `bin` names, as npm links it. */
async function binFile(): Promise<string> {
  const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const bin = pkg.bin.parafetch;
  assert.ok(bin, 'package.json names a parafetch bin');
  return path.join(ROOT, bin);
}

describe('start-up', () => {
  test('the command is one file: a copy of the bin alone, without node_modules, downloads', async (t) => {
    const body = bytes(5000, 3);
    const server = await startServer((req, res) => serveBody(req, res, body));
    t.after(() => server.close());
    // A package of its own: its package.json (ESM, as parafetch's) and the bin file, nothing else.
    const pkg = await tempDir();
    await fs.writeFile(path.join(pkg, 'package.json'), '{ "type": "module" }\n');
    const copy = path.join(pkg, 'parafetch.js');
    await fs.copyFile(await binFile(), copy);
    const dir = await tempDir();

    const child = spawn(process.execPath, [copy, '-d', dir, '--progress', 'none', server.url('/one.bin')], {
      cwd: pkg,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no exit within 20 s; stderr:\n${stderr}`));
      }, 20_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, stderr);
    assert.equal(await fileSha256(path.join(dir, 'one.bin')), sha256(body));
  });

  test('a plain http run loads neither HTTP/2, TLS, child processes nor the fetch implementation', async (t) => {
    const body = bytes(3000, 4);
    const server = await startServer((req, res) => serveBody(req, res, body));
    t.after(() => server.close());
    const work = await tempDir();
    // Written at exit: every built-in module the process loaded during the whole run.
    const loaded = path.join(work, 'loaded.json');
    const hook = path.join(work, 'hook.mjs');
    await fs.writeFile(
      hook,
      "import { writeFileSync } from 'node:fs';\n" +
        `process.on('exit', () => writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(process.moduleLoadList)));\n`,
    );
    const dir = path.join(work, 'out');

    const r = await runCli(['-d', dir, '--progress', 'none', server.url('/a.bin'), server.url('/b.bin')], {
      nodeArgs: ['--import', pathToFileURL(hook).href],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await fileSha256(path.join(dir, 'b.bin')), sha256(body));
    const modules = new Set(JSON.parse(await fs.readFile(loaded, 'utf8')) as string[]);
    assert.ok(modules.has('NativeModule net'), 'the list is of the run that connected');
    for (const name of ['http2', 'tls', 'child_process', 'internal/deps/undici/undici']) {
      assert.ok(!modules.has(`NativeModule ${name}`), `${name} was loaded`);
    }
  });
});
