/**
 * The offline page in a real browser (Debian's chromium through playwright-core) with the network
 * off and every request refused: the modem clusters render, a failed item is painted red on the
 * canvas, and a click opens its detail panel.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { offlinePageHtml } from '../../src/visualizer/html.js';
import { smallGraph } from '../../test/visualizer/fixture.js';
import { CHROMIUM, CHROMIUM_ARGS, saveScreenshot } from './browser.js';

const chromiumPath = CHROMIUM;
const skip = existsSync(chromiumPath) ? false : `${chromiumPath} is not installed (Debian package chromium)`;

let browser: Browser | undefined;
let page: Page;
const requests: string[] = [];

interface CyNode {
  data(k: string): string;
  id(): string;
  renderedPosition(): { x: number; y: number };
  renderedWidth(): number;
}
interface Cy {
  nodes(sel?: string): { map<T>(f: (n: CyNode) => T): T[] };
  getElementById(id: string): CyNode & { style(k: string): string };
}
// The root tsconfig has no DOM lib: the few page globals the evaluated functions use, typed here.
interface Canvas {
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const window: { mmagentCy: Cy; devicePixelRatio: number };
declare const document: { querySelectorAll(selector: string): Iterable<Canvas> };

before(async () => {
  if (skip) return;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...CHROMIUM_ARGS],
  });
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, offline: true });
  // Every request other than the page itself is refused and recorded: the offline file fetches nothing.
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (url === 'http://offline.test/') return route.fulfill({ contentType: 'text/html', body: html });
    requests.push(url);
    return route.abort();
  });
  const html = await offlinePageHtml(smallGraph(), { title: 'offline test' });
  page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('http://offline.test/');
  await page.waitForFunction(() => window.mmagentCy?.nodes().map((n) => n).length > 0);
  assert.deepEqual(errors, []);
});

after(async () => {
  await browser?.close();
});

test('one cluster per modem, items inside, nothing fetched', { skip }, async (t) => {
  t.diagnostic(`screenshot: ${await saveScreenshot(page, 'offline.png')}`);
  const clusters = await page.evaluate(() => window.mmagentCy.nodes('.cluster').map((n) => n.data('label')));
  assert.deepEqual(clusters.sort(), ['modem1', 'unmanaged:123']);
  const cluster = await page.evaluate(() => window.mmagentCy.getElementById('bearer/modem1').data('cluster'));
  assert.equal(cluster, 'cluster\u0000modem1');
  // The graph gets the page's height (a grid placement slip once gave it a 0-height row).
  const box = await page.locator('#cy').boundingBox();
  assert.ok(box && box.height > 500, `graph area ${JSON.stringify(box)}`);
  const title = await page.title();
  assert.equal(title, 'offline test');
  assert.deepEqual(requests, []);
});

test('a failed item is painted in the failed colour on the canvas', { skip }, async () => {
  const fill = await page.evaluate(() =>
    window.mmagentCy.getElementById('connection/modem1').style('background-color'),
  );
  assert.equal(fill, 'rgb(244,166,166)');
  // Read the pixel the user sees: inside the node, left of its centred label.
  const pixel = await page.evaluate(() => {
    const n = window.mmagentCy.getElementById('connection/modem1');
    const p = n.renderedPosition();
    const x = p.x - n.renderedWidth() * 0.4;
    const dpr = window.devicePixelRatio;
    for (const c of document.querySelectorAll('#cy canvas')) {
      const d = c.getContext('2d')?.getImageData(Math.round(x * dpr), Math.round(p.y * dpr), 1, 1).data;
      if (d && d[3]! > 0) return [d[0], d[1], d[2]];
    }
    return null;
  });
  assert.deepEqual(pixel, [244, 166, 166]);
});

test('a click on an item opens its details: error, retries, diff', { skip }, async () => {
  const pos = await page.evaluate(() => window.mmagentCy.getElementById('bearer/modem1').renderedPosition());
  const box = await page.locator('#cy').boundingBox();
  assert.ok(box);
  await page.mouse.click(box.x + pos.x, box.y + pos.y);
  await page.waitForSelector('#panel [data-field="diff"]');
  const diff = JSON.parse((await page.textContent('#panel [data-field="diff"]')) ?? '');
  assert.deepEqual(diff, [{ op: 'replace', path: '/apn', value: 'internet' }]);
  // Follow the dependant link to the failed connection.
  await page.click('#panel button[data-item="connection/modem1"]');
  assert.match(
    (await page.textContent('#panel [data-field="last-error"]')) ?? '',
    /<script>alert\(1\)<\/script> timed out/,
  );
  assert.match(
    (await page.textContent('#panel [data-field="retry"]')) ?? '',
    /attempts: 3 · next retry: 2030-01-01T00:00:00.000Z/,
  );
});
