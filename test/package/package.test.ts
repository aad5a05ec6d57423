import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/fs.js';
import { bytes, serveBody, startServer } from '../helpers/server.js';

/**
 * The package as users get it: from a clone with no dist/ (a git install builds it with the
 * prepare script), packed by npm, unpacked into another project and used from there, library
 * and command alike. No registry: the clone borrows this checkout's node_modules, and the
 * project links the package's dependencies from it, as npm would have installed them.
 */

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function programs(): Promise<void> {
  for (const [cmd, arg] of [
    ['git', '--version'],
    ['npm', '--version'],
    ['tar', '--version'],
  ] as const) {
    await run(cmd, [arg]).catch(() => {
      throw new Error(`${cmd} is needed to pack the package: apt-get install ${cmd === 'npm' ? 'npm' : cmd}`);
    });
  }
}

test('a fresh clone packs into a package whose library and command work from another project', async () => {
  await programs();
  const work = await tempDir();
  const clone = path.join(work, 'clone');
  await run('git', ['clone', '-q', ROOT, clone]);
  await assert.rejects(fs.stat(path.join(clone, 'dist')), 'a clone has no dist/ of its own');
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  // npm pack runs prepare, as a git install does.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: clone,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  assert.ok(info, packed.stdout);
  const files = new Set(info.files.map((f) => f.path));
  for (const f of [
    'package.json',
    'README.md',
    'dist/cli/main.js',
    'dist/src/index.js',
    'dist/src/index.d.ts',
  ]) {
    assert.ok(files.has(f), `${f} is in the package`);
  }
  assert.ok(
    ![...files].some((f) => f.startsWith('dist/test/') || f.startsWith('src/')),
    'no tests or sources',
  );

  // Another project, with the package unpacked where npm puts it.
  const app = path.join(work, 'app');
  const installed = path.join(app, 'node_modules', 'parafetch');
  await fs.mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', path.join(work, info.filename), '-C', installed, '--strip-components', '1']);
  const manifest = JSON.parse(await fs.readFile(path.join(installed, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    bin: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies)) {
    const at = path.join(app, 'node_modules', dep);
    await fs.mkdir(path.dirname(at), { recursive: true });
    await fs.symlink(path.join(ROOT, 'node_modules', dep), at);
  }
  await fs.writeFile(path.join(app, 'package.json'), '{"name":"app","private":true,"type":"module"}\n');

  const server = await startServer((req, res) => serveBody(req, res, bytes(4096, 9)));
  try {
    // The library, by its package name.
    const script = [
      "import { download } from 'parafetch';",
      `const [r] = await download(['${server.url('/lib.bin')}'], { dir: 'out' });`,
      'console.log(r.status, r.bytes);',
    ].join('\n');
    await fs.writeFile(path.join(app, 'use.mjs'), script);
    const lib = await run(process.execPath, ['use.mjs'], { cwd: app });
    assert.equal(lib.stdout.trim(), 'ok 4096');

    // The command, by the file its bin names.
    const bin = path.join(installed, manifest.bin.parafetch!);
    await fs.access(bin, fs.constants.X_OK);
    const cli = await run(process.execPath, [bin, '-q', '-d', 'cli-out', server.url('/cli.bin')], {
      cwd: app,
    });
    assert.equal(cli.stderr, '');
    assert.equal((await fs.stat(path.join(app, 'cli-out', 'cli.bin'))).size, 4096);
  } finally {
    await server.close();
  }
});
