// Bundles each entry below into one file, dist/cli/NAME.js, with esbuild: the command that the
// package's `bin` runs starts by reading one file instead of resolving and compiling about a
// hundred modules, and it loads only the parts of its dependencies that a run uses. The library
// (dist/src, with its types) is what tsc builds; this runs after tsc (`npm run build`).
//
//   node dist/scripts/bundle.js
import { build, type Plugin } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bundled entry points: a source file and the name of its output in dist/cli/. Code that
 * starts another entry (a worker thread's file, say) finds it beside itself with
 * `new URL('./NAME.js', import.meta.url)`, which holds in dist/src (tsc) and in dist/cli (this
 * bundle) alike when NAME is also the source file's base name. One line per entry.
 */
const ENTRIES: readonly { in: string; out: string }[] = [
  { in: 'src/cli/main.ts', out: 'main' },
  { in: 'src/engine/threads/thread.ts', out: 'thread' },
  // Object storage and shards (the AWS SDK, tar, parquet): loaded only by runs that write into them.
  { in: 'src/engine/stores.ts', out: 'stores' },
  // The commands of a run over many machines (BullMQ, ioredis): loaded only by them.
  { in: 'src/cli/cluster.ts', out: 'cluster' },
];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT_DIR = join(ROOT, 'dist/cli');

/**
 * What the bundle takes from undici, and the module of undici that defines each. undici's own
 * index loads everything it has (fetch, WebSocket, caches, mocks: most of its start-up cost), so
 * `import … from 'undici'` in the bundle is served by these modules alone. Importing a name that
 * is not listed fails the build ("No matching export"): add its module here.
 */
const UNDICI_EXPORTS: Readonly<Record<string, string>> = {
  Agent: 'lib/dispatcher/agent.js',
  Client: 'lib/dispatcher/client.js',
  DecoratorHandler: 'lib/handler/decorator-handler.js',
  Dispatcher: 'lib/dispatcher/dispatcher.js',
  EnvHttpProxyAgent: 'lib/dispatcher/env-http-proxy-agent.js',
  Pool: 'lib/dispatcher/pool.js',
  ProxyAgent: 'lib/dispatcher/proxy-agent.js',
  buildConnector: 'lib/core/connect.js',
  errors: 'lib/core/errors.js',
};

function undiciModule(): string {
  const lines = Object.entries(UNDICI_EXPORTS).map(
    ([name, file]) => `import ${name} from 'undici/${file}';\nexport { ${name} };`,
  );
  // As undici's index does: request(), stream() … on every dispatcher.
  lines.push("import api from 'undici/lib/api/index.js';", 'Object.assign(Dispatcher.prototype, api);');
  return lines.join('\n');
}

/**
 * Modules that a dependency loads at start-up for a feature that parafetch runs seldom or never,
 * loaded instead on first use. Each replaces one `require` in one package with a stand-in that
 * requires the real module when it is first called or read.
 */
const DEFERRED: readonly { importer: RegExp; request: RegExp; standIn: (real: string) => string }[] = [
  {
    // HTTP/2 (node:http2 and node:tls behind it) is used only when a server negotiates h2.
    importer: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    request: /^\.\/client-h2\.js$/,
    standIn: (real) =>
      `module.exports = function connectH2(...args) { return require(${JSON.stringify(real)})(...args); };`,
  },
  {
    // commander starts child processes only for executable subcommands, which parafetch has none of.
    importer: /[\\/]commander[\\/]lib[\\/]command\.js$/,
    request: /^node:child_process$/,
    standIn: () => "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
  },
];

const lean: Plugin = {
  name: 'parafetch-lean',
  setup(b) {
    // The path shows in esbuild's "No matching export" error: it says where to add the name.
    b.onResolve({ filter: /^undici$/ }, () => ({
      path: 'undici (the names in UNDICI_EXPORTS, scripts/bundle.ts)',
      namespace: 'lean-undici',
    }));
    b.onLoad({ filter: /.*/, namespace: 'lean-undici' }, () => ({
      contents: undiciModule(),
      resolveDir: ROOT,
      loader: 'js',
    }));
    for (const [i, d] of DEFERRED.entries()) {
      b.onResolve({ filter: d.request }, async (args) => {
        if (!d.importer.test(args.importer)) return undefined;
        const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir });
        if (real.errors.length > 0) return { errors: real.errors };
        // A relative path names the stand-in in the bundle, which so holds no path of this machine.
        return { path: relative(ROOT, real.path), namespace: `deferred-${i}`, pluginData: real.path };
      });
      b.onLoad({ filter: /.*/, namespace: `deferred-${i}` }, (args) => ({
        contents: d.standIn(args.pluginData as string),
        resolveDir: ROOT,
        loader: 'js',
      }));
    }
  },
};

async function bundle(): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES.map((e) => ({ in: e.in, out: e.out })),
    outdir: OUT_DIR,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    // Whitespace and syntax only: names stay, so stack traces and error names read as in the source.
    minifyWhitespace: true,
    minifySyntax: true,
    // Class names as written: an error crossing between threads is revived by its class's name.
    keepNames: true,
    // For stack traces under --enable-source-maps: lines and names, not a copy of every source.
    sourcemap: 'linked',
    sourcesContent: false,
    // The bundled CommonJS packages require Node's built-in modules.
    banner: {
      js: "import { createRequire as __parafetchRequire } from 'node:module'; const require = __parafetchRequire(import.meta.url);",
    },
    plugins: [lean],
    logLevel: 'warning',
  });
  for (const e of ENTRIES) chmodSync(join(OUT_DIR, `${e.out}.js`), 0o755);
}

await bundle();
