/**
 * The visualizer page's time to first render in Debian's chromium (playwright-core): the items of a
 * real two-modem plan (mmagent graph's page from a snapshot) and a 10,000-item synthetic graph in the
 * reconciler bench's shape (100 modem clusters of 100 layered items). Prints figures; not a test.
 *   node --import tsx bench/visualizer.bench.ts
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntryType } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { exportGraph } from '../reconciler/export.js';
import { emptyGraph, graphOf } from '../reconciler/graph.js';
import { item } from '../reconciler/item.js';
import { runGraph } from '../src/cli/graph.js';
import { offlinePageHtml, pageBundle } from '../src/visualizer/html.js';
import { configOf, netA, netB } from '../test/cli/scenarios.js';

function synthetic(clusters: number, perCluster: number) {
  const placed = [];
  for (let c = 0; c < clusters; c++) {
    const m = `modem-${String(c).padStart(3, '0')}`;
    for (let i = 0; i < perCluster; i++) {
      const deps =
        i === 0
          ? []
          : [{ ref: { type: 'n', name: `${m}/${Math.floor((i - 1) / 2)}` }, description: 'parent' }];
      placed.push({ item: item({ type: 'n', name: `${m}/${i}`, spec: { attr: i }, deps }), path: [m] });
    }
  }
  const desired = graphOf('desired', placed);
  return exportGraph(emptyGraph('current'), desired);
}

interface Render {
  /** Navigation to the first items on the canvas. */
  readonly firstMs: number;
  /** Navigation to the whole graph drawn (body[data-drawn=yes]). */
  readonly allMs: number;
  /** The longest task the page ran meanwhile (PerformanceObserver 'longtask'): how long the tab froze. */
  readonly longestTaskMs: number;
}

async function firstRender(html: string): Promise<Render> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => console.error(`page error: ${String(e)}`));
    await page.addInitScript(() => {
      const w = globalThis as unknown as { longest: number };
      w.longest = 0;
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.longest = Math.max(w.longest, e.duration);
      }).observe({ entryTypes: ['longtask' as EntryType] });
    });
    await page.route('**/*', (r) => r.fulfill({ contentType: 'text/html', body: html }));
    const t0 = Date.now();
    await page.goto('http://bench.test/', { waitUntil: 'commit' });
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as { mmagentCy?: { nodes(s: string): { length: number } } }).mmagentCy?.nodes(
          '[kind = "item"]',
        ).length ?? 0) > 0,
      undefined,
      { timeout: 120_000, polling: 10 },
    );
    const firstMs = Date.now() - t0;
    await page.waitForSelector('body[data-drawn=yes]', { timeout: 300_000 });
    const allMs = Date.now() - t0;
    const longestTaskMs = await page.evaluate(() => (globalThis as unknown as { longest: number }).longest);
    return { firstMs, allMs, longestTaskMs };
  } finally {
    await browser.close();
  }
}

const show = (n: number, r: Render) =>
  console.log(
    `${n} items: first items drawn ${r.firstMs} ms, all drawn ${r.allMs} ms, longest task ${Math.round(r.longestTaskMs)} ms`,
  );
/** mmagent graph's page for an APN change on a two-modem agent (the CLI tests' snapshot of the simulator). */
async function twoModemPage(): Promise<{ html: string; items: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mmagent-vbench-'));
  try {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify(configOf([netA({ AccessPoint: { APN: 'internet.v2' } }), netB()])));
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    const base = {
      command: 'graph',
      config,
      globalConfig: undefined,
      resolvDir: join(dir, 'resolv'),
      format: undefined,
    } as const;
    const snapshot = fileURLToPath(new URL('../test/cli/fixtures/both-connected.json', import.meta.url));
    await runGraph({ ...base, snapshot, output: join(dir, 'g.json') }, io as never);
    await runGraph({ ...base, snapshot, output: join(dir, 'g.html') }, io as never);
    const items = (JSON.parse(readFileSync(join(dir, 'g.json'), 'utf8')) as { items: unknown[] }).items
      .length;
    return { html: readFileSync(join(dir, 'g.html'), 'utf8'), items };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bundle = await pageBundle();
console.log(
  `page bundle: ${bundle.js.length} bytes of script, ${bundle.css.length} bytes of styles (inline in every page)`,
);
const two = await twoModemPage();
const big = synthetic(100, 100);
console.log(`chromium ${'/usr/bin/chromium'}, node ${process.version}; viewport 1400x900`);
show(two.items, await firstRender(two.html));
show(big.items.length, await firstRender(await offlinePageHtml(big)));
