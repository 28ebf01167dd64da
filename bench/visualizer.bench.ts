/**
 * The visualizer page's time to first render in Debian's chromium (playwright-core): the items of a
 * real two-modem plan (mmagent graph's page from a snapshot) and a 10,000-item synthetic graph in the
 * reconciler bench's shape (100 modem clusters of 100 layered items). Prints figures; not a test.
 *   node --import tsx bench/visualizer.bench.ts
 */
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

async function firstRender(html: string): Promise<number> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => console.error(`page error: ${String(e)}`));
    await page.route('**/*', (r) => r.fulfill({ contentType: 'text/html', body: html }));
    const t0 = Date.now();
    await page.goto('http://bench.test/', { waitUntil: 'commit' });
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as { mmagentCy?: { nodes(): { length: number } } }).mmagentCy?.nodes()
          .length ?? 0) > 0,
      undefined,
      { timeout: 120_000 },
    );
    return Date.now() - t0;
  } finally {
    await browser.close();
  }
}

const small = synthetic(2, 12);
const big = synthetic(100, 100);
console.log(`items: ${small.items.length} (two modems' worth) and ${big.items.length}`);
const smallMs = await firstRender(await offlinePageHtml(small));
console.log(`first render, ${small.items.length} items: ${smallMs} ms`);
const bigMs = await firstRender(await offlinePageHtml(big));
console.log(`first render, ${big.items.length} items: ${bigMs} ms (${(bigMs / smallMs).toFixed(1)}x)`);
