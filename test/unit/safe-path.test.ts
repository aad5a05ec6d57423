import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiskError, UnsafePathError } from '../../src/errors/index.js';
import {
  DirectoryGuard,
  MAX_NAME_BYTES,
  resolveInside,
  sanitizeFileName,
} from '../../src/storage/safe-path.js';
import { tempDir } from '../helpers/fs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const execFileAsync = promisify(execFile);

/** True when `s` holds no lone UTF-16 surrogate (so it survives a round trip through UTF-8). */
function wellFormed(s: string): boolean {
  return Buffer.from(s, 'utf8').toString('utf8') === s;
}

describe('sanitizeFileName', () => {
  const cases: Array<{ name: string; input: string; expected: string }> = [
    { name: 'an ordinary name is kept', input: 'report 2024.pdf', expected: 'report 2024.pdf' },
    { name: 'non-ASCII is kept', input: 'résumé €.txt', expected: 'résumé €.txt' },
    { name: 'NUL replaced', input: 'a\0b.txt', expected: 'a_b.txt' },
    { name: 'newline and tab replaced', input: 'a\nb\tc', expected: 'a_b_c' },
    { name: 'DEL replaced', input: 'a\x7fb', expected: 'a_b' },
    { name: 'slash replaced', input: 'a/b', expected: 'a_b' },
    { name: 'backslash replaced', input: 'a\\b', expected: 'a_b' },
    { name: 'traversal flattened', input: '../../etc/passwd', expected: '_.._etc_passwd' },
    { name: 'dot', input: '.', expected: '' },
    { name: 'dot-dot', input: '..', expected: '' },
    { name: 'only dots', input: '....', expected: '' },
    { name: 'leading dot removed', input: '.bashrc', expected: 'bashrc' },
    { name: 'trailing dots removed', input: 'name...', expected: 'name' },
    { name: 'surrounding spaces removed', input: '  name.txt  ', expected: 'name.txt' },
    { name: 'mixed dots and spaces at the ends', input: ' . name . ', expected: 'name' },
    { name: 'inner dots kept', input: 'a..b', expected: 'a..b' },
    { name: 'empty', input: '', expected: '' },
    { name: 'only spaces', input: '   ', expected: '' },
    // Names leave room for every suffix the project adds (`.part.state.tmp`, 15 bytes): 240 bytes at most.
    {
      name: 'exactly 240 bytes is kept',
      input: 'a'.repeat(236) + '.txt',
      expected: 'a'.repeat(236) + '.txt',
    },
    {
      name: '241 bytes is cut, extension kept',
      input: 'a'.repeat(237) + '.txt',
      expected: 'a'.repeat(236) + '.txt',
    },
    // Regression: 251-255-byte names failed with ENAMETOOLONG on NAME.part.
    {
      name: 'a 255-byte name is cut to leave room for .part.state.tmp',
      input: 'a'.repeat(251) + '.txt',
      expected: 'a'.repeat(236) + '.txt',
    },
    {
      name: 'long .tar.gz keeps the last extension',
      input: 'a'.repeat(300) + '.tar.gz',
      expected: 'a'.repeat(237) + '.gz',
    },
    { name: 'long name without extension', input: 'b'.repeat(300), expected: 'b'.repeat(240) },
    {
      name: 'multibyte (3-byte) characters cut whole',
      input: '€'.repeat(100) + '.txt',
      expected: '€'.repeat(78) + '.txt',
    },
    {
      name: 'multibyte (2-byte) characters cut whole',
      input: 'é'.repeat(200) + '.txt',
      expected: 'é'.repeat(118) + '.txt',
    },
    // Regression: shortening once cut a surrogate pair in half.
    {
      name: 'astral (4-byte) characters cut whole',
      input: '😀'.repeat(100) + '.txt',
      expected: '😀'.repeat(59) + '.txt',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = sanitizeFileName(c.input);
      assert.equal(out, c.expected);
      assert.ok(Buffer.byteLength(out) <= MAX_NAME_BYTES, `${Buffer.byteLength(out)} bytes`);
      assert.ok(wellFormed(out), 'lone surrogate in result');
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(out, /[\u0000-\u001f\u007f/\\]/);
      assert.doesNotMatch(out, /^[.\s]|[.\s]$/);
    });
  }

  test('an over-long extension still fits in 240 bytes', () => {
    const out = sanitizeFileName('a'.repeat(10) + '.' + 'b'.repeat(300));
    assert.ok(Buffer.byteLength(out) <= MAX_NAME_BYTES);
    assert.ok(out.startsWith('a'.repeat(10) + '.'));
  });
});

describe('resolveInside', () => {
  const DIR = path.resolve('/srv/downloads');

  const ok: Array<{ name: string; relative: string; abs: string; isDir: boolean }> = [
    { name: 'plain file name', relative: 'a.txt', abs: path.join(DIR, 'a.txt'), isDir: false },
    { name: 'nested', relative: 'sub/deeper/a.txt', abs: path.join(DIR, 'sub/deeper/a.txt'), isDir: false },
    { name: 'leading ./', relative: './a.txt', abs: path.join(DIR, 'a.txt'), isDir: false },
    { name: 'a/../b stays inside', relative: 'a/../b', abs: path.join(DIR, 'b'), isDir: false },
    { name: 'trailing slash marks a folder', relative: 'sub/', abs: path.join(DIR, 'sub'), isDir: true },
    { name: 'folder that is dir itself', relative: './', abs: DIR, isDir: true },
    {
      name: 'name with dots that is not traversal',
      relative: '..hidden',
      abs: path.join(DIR, '..hidden'),
      isDir: false,
    },
    { name: 'tilde is not home', relative: '~/x', abs: path.join(DIR, '~/x'), isDir: false },
    {
      name: 'a 240-byte file name leaves room for every suffix',
      relative: 'a'.repeat(240),
      abs: path.join(DIR, 'a'.repeat(240)),
      isDir: false,
    },
    {
      name: 'a long folder name is not held to the file-name budget',
      relative: `${'d'.repeat(250)}/`,
      abs: path.join(DIR, 'd'.repeat(250)),
      isDir: true,
    },
    {
      name: 'backslash is an ordinary character on POSIX',
      relative: '..\\x',
      abs: path.join(DIR, '..\\x'),
      isDir: false,
    },
  ];
  for (const c of ok) {
    test(c.name, () => {
      assert.deepEqual(resolveInside(DIR, c.relative), { abs: c.abs, isDir: c.isDir });
    });
  }

  const bad: Array<{ name: string; relative: string; reason: RegExp }> = [
    { name: 'parent', relative: '../x', reason: /leaves the download directory/ },
    { name: 'parent after a folder', relative: 'a/../../x', reason: /leaves the download directory/ },
    {
      name: 'sibling with the same prefix',
      relative: '../downloads2/x',
      reason: /leaves the download directory/,
    },
    { name: 'deep escape', relative: 'a/b/../../../../etc/passwd', reason: /leaves the download directory/ },
    { name: 'bare ..', relative: '..', reason: /leaves the download directory/ },
    { name: 'absolute POSIX path', relative: '/etc/passwd', reason: /absolute/ },
    { name: 'Windows drive path', relative: 'C:\\Windows\\x', reason: /absolute/ },
    { name: 'Windows drive path with slash', relative: 'c:/x', reason: /absolute/ },
    { name: 'NUL byte', relative: 'a\0.txt', reason: /NUL/ },
    { name: 'empty', relative: '', reason: /empty/ },
    { name: 'the directory itself as a file', relative: '.', reason: /download directory itself/ },
    { name: 'a/.. as a file', relative: 'a/..', reason: /download directory itself/ },
    // Regression: a 241-255-byte name failed mid-download with ENAMETOOLONG on NAME.part.
    { name: 'a file name too long for its suffixes', relative: 'a'.repeat(241), reason: /241 bytes.*240/ },
    {
      name: 'a 255-byte file name in a folder',
      relative: `sub/${'é'.repeat(125)}.txt`,
      reason: /254 bytes.*\.part\.state\.tmp/,
    },
  ];
  for (const c of bad) {
    test(`rejects ${c.name}`, () => {
      assert.throws(
        () => resolveInside(DIR, c.relative),
        (err: unknown) => {
          assert.ok(err instanceof UnsafePathError, `not an UnsafePathError: ${String(err)}`);
          assert.equal(err.code, 'UNSAFE_PATH');
          assert.equal(err.path, c.relative);
          assert.match(err.message, c.reason);
          return true;
        },
      );
    });
  }
});

describe('DirectoryGuard.ensure', () => {
  test('says whether a folder was created by this run', async () => {
    const root = await tempDir();
    await fs.mkdir(path.join(root, 'old'));
    const guard = new DirectoryGuard(root);
    assert.equal(await guard.ensure(root), false, 'the existing root');
    assert.equal(await guard.ensure(path.join(root, 'old')), false, 'an existing folder');
    assert.equal(await guard.ensure(path.join(root, 'new', 'deep')), true, 'a new folder');
    assert.equal(await guard.ensure(path.join(root, 'new', 'deep')), true, 'asked again');
    assert.ok((await fs.stat(path.join(root, 'new', 'deep'))).isDirectory());
  });

  test('everything inside a root created by this run is new', async () => {
    const root = path.join(await tempDir(), 'made', 'here');
    const guard = new DirectoryGuard(root);
    assert.equal(await guard.ensure(root), true);
    await fs.mkdir(path.join(root, 'sub'));
    assert.equal(await guard.ensure(path.join(root, 'sub')), true);
  });

  test('a symlink out of the root is refused', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await fs.symlink(outside, path.join(root, 'link'));
    const guard = new DirectoryGuard(root);
    await assert.rejects(guard.ensure(path.join(root, 'link', 'x')), UnsafePathError);
  });

  test('regression: folders under a symlink out of the root are refused without creating any of them outside', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await fs.symlink(outside, path.join(root, 'link'));
    const guard = new DirectoryGuard(root);
    await assert.rejects(guard.ensure(path.join(root, 'link', 'x', 'y', 'z')), UnsafePathError);
    assert.deepEqual(await fs.readdir(outside), [], 'nothing was created outside');
  });

  test('regression: a new sub-folder under a folder swapped for a symlink mid-run is not created outside', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    const guard = new DirectoryGuard(root);
    await guard.ensure(path.join(root, 'sub'));
    // Mid-run: the verified folder is moved away and its name now leads out.
    await fs.rename(path.join(root, 'sub'), path.join(root, 'moved'));
    await fs.symlink(outside, path.join(root, 'sub'));
    await assert.rejects(guard.ensure(path.join(root, 'sub', 'new', 'deeper')), UnsafePathError);
    assert.deepEqual(await fs.readdir(outside), [], 'nothing was created outside');
    assert.deepEqual(await fs.readdir(path.join(root, 'moved')), []);
  });

  test('missing folders are created one by one, and a symlink inside the root that stays inside is followed', async () => {
    const root = await tempDir();
    await fs.mkdir(path.join(root, 'real'));
    await fs.symlink(path.join(root, 'real'), path.join(root, 'alias'));
    const guard = new DirectoryGuard(root);
    assert.equal(await guard.ensure(path.join(root, 'alias', 'a', 'b')), true);
    assert.ok((await fs.stat(path.join(root, 'real', 'a', 'b'))).isDirectory());
    assert.equal(await guard.ensure(path.join(root, 'real')), false, 'an existing folder is not new');
  });
});

describe('DirectoryGuard failures are disk errors naming the path and errno', () => {
  const cases: Array<{
    name: string;
    setup: (base: string) => Promise<{ root: string; folder: string }>;
    errno: RegExp;
  }> = [
    {
      name: 'the download directory is a file',
      setup: async (base) => {
        const root = path.join(base, 'file');
        await fs.writeFile(root, 'x');
        return { root, folder: root };
      },
      errno: /EEXIST|ENOTDIR/,
    },
    {
      name: 'a folder under a file',
      setup: async (base) => {
        const root = path.join(base, 'file');
        await fs.writeFile(root, 'x');
        return { root: path.join(root, 'sub'), folder: path.join(root, 'sub') };
      },
      errno: /ENOTDIR/,
    },
    {
      name: 'a sub-folder where a file is',
      setup: async (base) => {
        await fs.writeFile(path.join(base, 'taken'), 'x');
        return { root: base, folder: path.join(base, 'taken') };
      },
      errno: /EEXIST|ENOTDIR/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { root, folder } = await c.setup(await tempDir());
      const guard = new DirectoryGuard(root);
      await assert.rejects(guard.ensure(folder), (err: unknown) => {
        assert.ok(err instanceof DiskError, `not a DiskError: ${String(err)}`);
        assert.equal(err.code, 'DISK_ERROR');
        assert.match(err.message, c.errno);
        assert.ok(err.message.includes(folder) || err.message.includes(root), err.message);
        return true;
      });
    });
  }

  test('a folder that cannot be written (as root: a read-only file system, or a child process as nobody)', async (t) => {
    const root = await tempDir();
    const sub = path.join(root, 'sub');
    const expectRefusal = async (ensure: () => Promise<string>) => {
      const out = await ensure();
      assert.match(out, /^DiskError DISK_ERROR .*(EACCES|EROFS)/, out);
      assert.ok(out.includes(root), out);
    };
    const inProcess = async () => {
      try {
        await new DirectoryGuard(root).ensure(sub);
        return 'no error';
      } catch (err) {
        const e = err as DiskError;
        return `${e.constructor.name} ${e.code} ${e.message}`;
      }
    };
    if (process.getuid?.() !== 0) {
      await fs.chmod(root, 0o555);
      try {
        await expectRefusal(inProcess);
      } finally {
        await fs.chmod(root, 0o755);
      }
      return;
    }
    // Root may write anywhere a permission forbids: a read-only mount refuses it too.
    try {
      await execFileAsync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', root]);
    } catch (err) {
      t.diagnostic(`mount refused (${(err as Error).message.split('\n')[0]}): the guard runs as uid 65534`);
      await fs.chmod(root, 0o555);
      const guardModule = pathToFileURL(path.resolve(here, '../../src/storage/safe-path.js')).href;
      const script = `
        const { DirectoryGuard } = await import(${JSON.stringify(guardModule)});
        try {
          await new DirectoryGuard(${JSON.stringify(root)}).ensure(${JSON.stringify(sub)});
          console.log('no error');
        } catch (err) {
          console.log(err.constructor.name + ' ' + err.code + ' ' + err.message);
        }`;
      await expectRefusal(async () => {
        const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
          uid: 65534,
          gid: 65534,
          timeout: 20_000,
        });
        return stdout;
      });
      return;
    }
    t.diagnostic('running as root: the folder is a read-only tmpfs');
    try {
      await expectRefusal(inProcess);
    } finally {
      await execFileAsync('umount', [root]);
    }
  });
});
