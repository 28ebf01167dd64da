/**
 * The visualizer's HTML: the page script (src/visualizer/page/, bundled by esbuild with cytoscape and
 * dagre) and its styles inline, so the agent serves one response and an offline file needs nothing else.
 *
 * The bundle is read from page.bundle.js/.css next to the module that holds this code: `npm run build`
 * writes them beside the compiled module (dist/src/visualizer/) and beside the bundled agent
 * (dist/mmagent.mjs, src/build/bundle.ts). Run from the TypeScript sources (tsx, tests) where no such
 * file exists, it is built in memory with esbuild's API once per process. esbuild is a devDependency: an
 * install without it (the bundled agent shipped alone) must use the built files.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { GraphExport } from '../../reconciler/export.js';
import { type Boot, bootElementId, scriptJson } from './page/boot.js';

export interface PageBundle {
  readonly js: string;
  readonly css: string;
}

/** Beside this module: dist/src/visualizer/ (tsc), or beside dist/mmagent.mjs when bundled into the agent. */
const builtJs = new URL('./page.bundle.js', import.meta.url);
const builtCss = new URL('./page.bundle.css', import.meta.url);
/** The entry is always the TypeScript source: dist/ has no page sources (tsc leaves page/ to esbuild). */
const entry = fileURLToPath(new URL('./page/main.ts', import.meta.url)).replace(
  /\/dist\/src\/visualizer\/page\/main\.ts$/,
  '/src/visualizer/page/main.ts',
);

/** esbuild's output for the page: one IIFE script and one style sheet, minified. */
export async function buildPageBundle(): Promise<PageBundle> {
  const esbuild = await import('esbuild').catch((err: unknown) => {
    throw new Error(
      `no visualizer page bundle at ${fileURLToPath(builtJs)} (and .css), and esbuild cannot build one: ${
        (err as Error).message.split('\n')[0]
      }`,
    );
  });
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    write: false,
    outdir: 'out',
    entryNames: 'page',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = r.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  const css = r.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  if (js === undefined) throw new Error('esbuild produced no page script');
  return { js, css };
}

let bundle: Promise<PageBundle> | null = null;

/** The built bundle from disk when `npm run build` made one, else built now (once per process). */
export function pageBundle(): Promise<PageBundle> {
  bundle ??= (async () => {
    try {
      const [js, css] = await Promise.all([readFile(builtJs, 'utf8'), readFile(builtCss, 'utf8')]);
      return { js, css };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return buildPageBundle();
    }
  })();
  // A failed build is not cached: the next request tries again.
  bundle.catch(() => {
    bundle = null;
  });
  return bundle;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline text must not close its element early; esbuild already escapes these, this guards the rest. */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}
function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

function page(b: PageBundle, boot: Boot, csp: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(boot.title)}</title>`,
    `<style>${inlineStyle(b.css)}</style>`,
    `<script type="application/json" id="${bootElementId}">${scriptJson(boot)}</script>`,
    '</head>',
    '<body>',
    '<noscript>This page draws the graph with JavaScript.</noscript>',
    `<script>${inlineScript(b.js)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The live page: fetches /graph.json and /history.json and follows /events (server-sent `run` events). */
export async function livePageHtml(): Promise<string> {
  return page(
    await pageBundle(),
    { mode: 'live', title: 'mmagent graph (live)' },
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'",
  );
}

/** One self-contained HTML file for an offline view of `graph`: everything inline, nothing fetched. */
export async function offlinePageHtml(graph: GraphExport, opts: { title?: string } = {}): Promise<string> {
  return page(
    await pageBundle(),
    { mode: 'offline', title: opts.title ?? `mmagent graph: ${graph.name}`, graph },
    // connect-src 'none': the offline file cannot fetch even by mistake.
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'none'",
  );
}

/**
 * `node dist/src/visualizer/html.js --write-bundle` (npm run build): the bundle beside the compiled module.
 * Only as html.js/html.ts itself: bundled into the agent, import.meta.url is the agent's script.
 */
if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  /[\\/]html\.[jt]s$/.test(process.argv[1])
) {
  if (process.argv[2] !== '--write-bundle') {
    console.error('usage: html.js --write-bundle');
    process.exit(2);
  }
  const b = await buildPageBundle();
  await writeFile(builtJs, b.js);
  await writeFile(builtCss, b.css);
  console.log(`visualizer bundle: ${b.js.length} bytes of script, ${b.css.length} of styles`);
}
