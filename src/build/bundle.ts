/**
 * The agent as one file: esbuild bundles the CLI (src/cli/main.ts) with every pure-JS dependency into
 * one minified ESM file runnable with plain `node`, and writes the visualizer page bundle beside it
 * (src/visualizer/html.ts reads page.bundle.js/.css next to the module that imports it, here the
 * bundle). `npm run build` runs this after tsc: `dist/mmagent.mjs` + `dist/page.bundle.{js,css}`.
 *
 * What the bundle holds, and what stays outside:
 * - the JSON schemas and the version are embedded (the tsc build reads them from the package at run
 *   time; the bundle needs no package.json or schemas/ beside it);
 * - the native addons are external and resolved by Node from a `node_modules` beside the bundle (or any
 *   parent): {@link NATIVE_PACKAGES}. `shipNativeAddons` copies exactly their runtime files;
 * - `x11` (dbus-next's optional X11 session-bus lookup, never used on the system bus) is a stub that
 *   exports null, which dbus-next already reports as "installed without x11 support";
 * - esbuild is not bundled: html.ts only imports it when no page bundle is beside the agent.
 * `demo` also reads the repository's docs/examples and node_modules/@particle/dbus-next (the
 * simulator's marshalling fix): it runs from the bundle inside a checkout only.
 *
 * `node dist/src/build/bundle.js [OUTDIR] [--ship]`: OUTDIR defaults to dist/; `--ship` also copies the
 * native addons into OUTDIR/node_modules, making OUTDIR a directory that runs anywhere (linux-x64 here;
 * the native parts are per platform, so build the directory on, or for, the target):
 *
 *   OUTDIR/mmagent.mjs                        the agent (node OUTDIR/mmagent.mjs run ...); not the demo
 *   OUTDIR/mmagent.mjs.LEGAL.txt              the bundled packages' licence notices
 *   OUTDIR/page.bundle.js, page.bundle.css    the visualizer page (run --http, graph -o x.html)
 *   OUTDIR/node_modules/netlink/              package.json, dist/*.js, prebuilds/<platform>-<arch>/
 *   OUTDIR/node_modules/node-gyp-build/       netlink's loader of its binary
 *   OUTDIR/node_modules/node-unix-socket/     package.json, js/ (pubsub mode only, loaded on use)
 *   OUTDIR/node_modules/node-unix-socket-<platform>-<arch>-<libc>/   its binary
 *   OUTDIR/node_modules/@mmagent/icmp/        optional: package.json, build/Release/mmagent_icmp.node
 */
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { packageRoot } from '../repo-files.js';
import { pageBundle } from '../visualizer/html.js';

/** The bundle's file name inside the output directory. */
export const BUNDLE_FILE = 'mmagent.mjs';

/**
 * Packages the bundle loads at run time from node_modules (native parts): name, and the paths inside
 * the package that must ship (directories copied without source maps, type declarations or sources).
 */
export const NATIVE_PACKAGES: readonly { name: string; files: readonly string[]; optional?: boolean }[] = [
  // rtnetlink: JS + a N-API binding found by node-gyp-build (build/Release first, then prebuilds/).
  {
    name: 'netlink',
    files: ['package.json', 'dist', `prebuilds/${process.platform}-${process.arch}`, 'build/Release'],
  },
  { name: 'node-gyp-build', files: ['package.json', 'index.js', 'node-gyp-build.js'] },
  // SOCK_SEQPACKET for EVE pubsub: JS loader + one prebuilt binary package per platform.
  { name: 'node-unix-socket', files: ['package.json', 'js'] },
  { name: `node-unix-socket-${process.platform}-${process.arch}-*`, files: ['.'] },
  // the ICMP probe's addon (optional: the probe reports "not built" without it).
  { name: '@mmagent/icmp', files: ['package.json', 'build/Release/mmagent_icmp.node'], optional: true },
];

/** Not bundled; `import('esbuild')` and the ICMP addon's createRequire stay run-time lookups. */
const EXTERNAL = ['@mmagent/icmp', 'esbuild'];
/**
 * Native packages imported statically by modules that only `run` needs. An external ESM import would be
 * hoisted to the bundle's top and load netlink's CommonJS even for `--help`; a CommonJS shim
 * (`module.exports = require(name)`) is required only when the importing module is first evaluated.
 * (node-unix-socket needs none: src/pubsub/seqpacket.ts requires it at run time, on first use.)
 */
const LAZY_EXTERNAL = /^netlink(\/|$)/;

/** Bundled CommonJS code calls require() for Node built-ins; ESM has none, so the bundle makes one. */
const BANNER =
  'import{createRequire as __mmagentRequire}from"node:module";const require=__mmagentRequire(import.meta.url);';

/** The schemas are read with `readFileSync(packageFile('schemas', f), 'utf8')`; the bundle embeds them. */
const SCHEMA_READ_START = /readFileSync\(\s*packageFile\(\s*'schemas'/;
const SCHEMA_READ = /readFileSync\(\s*packageFile\(\s*'schemas',\s*([A-Za-z_$][\w$]*)\s*\),\s*'utf8'\s*\)/g;

function embedPlugin(root: string, version: string): Plugin {
  return {
    name: 'mmagent-embed',
    setup(build) {
      // dbus-next's optional X11 lookup: null is its own "not installed" value.
      build.onResolve({ filter: /^x11$/ }, () => ({ path: 'x11', namespace: 'mmagent-stub' }));
      build.onLoad({ filter: /.*/, namespace: 'mmagent-stub' }, () => ({
        contents: 'module.exports = null;',
        loader: 'js',
      }));
      // The demo (and the ModemManager simulator it runs) is a tool for a checkout, not for the shipped
      // agent: ~70 KB of the bundle. `mmagent demo` from the bundle says where to run it.
      build.onResolve({ filter: /^\.\/demo\.js$/ }, (args) =>
        args.importer.endsWith(join('src', 'cli', 'main.ts'))
          ? { path: 'demo', namespace: 'mmagent-no-demo' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'mmagent-no-demo' }, () => ({
        contents:
          "export async function runDemo(io) { io.stderr.write('mmagent demo is not part of the bundled agent: run it from a checkout (npm ci && npm run demo)\\n'); return 2; }",
        loader: 'js',
      }));
      build.onResolve({ filter: LAZY_EXTERNAL }, (args) =>
        args.namespace === 'mmagent-lazy'
          ? { path: args.path, external: true }
          : { path: args.path, namespace: 'mmagent-lazy' },
      );
      build.onLoad({ filter: /.*/, namespace: 'mmagent-lazy' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      build.onResolve({ filter: /^mmagent-embedded:schemas$/ }, () => ({
        path: 'schemas',
        namespace: 'mmagent-embedded',
      }));
      build.onLoad({ filter: /.*/, namespace: 'mmagent-embedded' }, async () => {
        const dir = join(root, 'schemas');
        const texts: Record<string, string> = {};
        for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort())
          texts[f] = JSON.stringify(JSON.parse(await readFile(join(dir, f), 'utf8')));
        return {
          contents: `const texts = ${JSON.stringify(texts)};
export function schemaText(f) {
  const t = texts[f];
  if (t === undefined) throw new Error('schema ' + f + ' is not embedded in this bundle');
  return t;
}`,
          loader: 'js',
          watchFiles: [dir],
        };
      });
      build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]version\.ts$/ }, () => ({
        contents: `export function readVersion(): string { return ${JSON.stringify(version)}; }`,
        loader: 'ts',
      }));
      build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!SCHEMA_READ_START.test(text)) return undefined;
        const out = text.replace(SCHEMA_READ, '__mmagentSchemaText($1)');
        if (SCHEMA_READ_START.test(out))
          throw new Error(`${args.path}: a schema read the bundle cannot embed (expected ${SCHEMA_READ})`);
        return {
          contents: `import { schemaText as __mmagentSchemaText } from 'mmagent-embedded:schemas';\n${out}`,
          loader: 'ts',
        };
      });
    },
  };
}

export interface BundleResult {
  /** Absolute path of the bundled agent. */
  readonly file: string;
  readonly bytes: number;
  readonly pageBytes: number;
}

/**
 * Bundles the agent into `outDir` (mmagent.mjs with its licences in mmagent.mjs.LEGAL.txt, page.bundle.js,
 * page.bundle.css). `minify: false` keeps
 * the names (for profiles); `sourcemap` writes mmagent.mjs.map (use with node --enable-source-maps).
 */
export async function bundleAgent(
  outDir: string,
  opts: { minify?: boolean; sourcemap?: boolean } = {},
): Promise<BundleResult> {
  const esbuild = await import('esbuild');
  const root = packageRoot();
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const file = resolve(outDir, BUNDLE_FILE);
  await mkdir(outDir, { recursive: true });
  const [, page] = await Promise.all([
    esbuild.build({
      absWorkingDir: root,
      entryPoints: [join(root, 'src/cli/main.ts')],
      outfile: file,
      bundle: true,
      minify: opts.minify ?? true,
      sourcemap: opts.sourcemap ?? false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: EXTERNAL,
      banner: { js: BANNER },
      // The bundled packages' licence texts go to mmagent.mjs.LEGAL.txt beside it (shipped with it),
      // not into the file node parses at every start.
      legalComments: 'external',
      plugins: [embedPlugin(root, pkg.version)],
      logLevel: 'warning',
    }),
    pageBundle(),
  ]);
  await writeFile(join(outDir, 'page.bundle.js'), page.js);
  await writeFile(join(outDir, 'page.bundle.css'), page.css);
  return { file, bytes: (await stat(file)).size, pageBytes: page.js.length + page.css.length };
}

const shipped = (p: string) => !/\.(map|d\.ts|ts|cc|h|gyp)$/.test(p) && !p.includes('/obj.target');

/** Copies the native addons' runtime files into `outDir/node_modules` (see {@link NATIVE_PACKAGES}). */
export async function shipNativeAddons(outDir: string): Promise<string[]> {
  const root = packageRoot();
  const copied: string[] = [];
  const installed = await readdir(join(root, 'node_modules'));
  for (const p of NATIVE_PACKAGES) {
    // `name-*`: the one platform package npm installed here (gnu or musl).
    const name = p.name.endsWith('-*')
      ? (installed.find((n) => n.startsWith(p.name.slice(0, -1))) ?? p.name)
      : p.name;
    const from = join(root, 'node_modules', name);
    try {
      await stat(join(from, 'package.json'));
    } catch {
      if (p.optional) continue;
      throw new Error(`native addon ${name} is not installed in ${join(root, 'node_modules')}`);
    }
    for (const f of p.files) {
      const src = join(from, f);
      try {
        await stat(src);
      } catch {
        continue; // e.g. netlink without a local build/Release: the prebuilds serve
      }
      await cp(src, join(outDir, 'node_modules', name, f), {
        recursive: true,
        dereference: true,
        filter: shipped,
      });
      copied.push(join(name, f));
    }
  }
  return copied;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const outDir = args.find((a) => !a.startsWith('--')) ?? join(packageRoot(), 'dist');
  const r = await bundleAgent(outDir);
  console.log(`agent bundle: ${r.file} ${r.bytes} bytes (page bundle beside it: ${r.pageBytes} bytes)`);
  if (args.includes('--ship')) {
    const files = await shipNativeAddons(outDir);
    console.log(`native addons in ${join(outDir, 'node_modules')}: ${files.join(', ')}`);
  }
}
