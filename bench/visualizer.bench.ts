/**
 * The visualizer page's time to first render in Debian's chromium (playwright-core): the items of a
 * real two-modem plan (mmagent graph's page from a snapshot) and a 10,000-item synthetic graph in the
 * reconciler bench's shape (100 modem clusters of 100 layered items). Prints figures; not a test.
 *   node --import tsx bench/visualizer.bench.ts
 */
import type { EntryType } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { exportGraph } from '../reconciler/export.js';
import { emptyGraph, graphOf } from '../reconciler/graph.js';
import { item } from '../reconciler/item.js';
import { offlinePageHtml } from '../src/visualizer/html.js';

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
const small = synthetic(2, 12);
const big = synthetic(100, 100);
console.log(`chromium ${'/usr/bin/chromium'}, node ${process.version}; viewport 1400x900`);
show(small.items.length, await firstRender(await offlinePageHtml(small)));
show(big.items.length, await firstRender(await offlinePageHtml(big)));
