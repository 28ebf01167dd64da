/** The HTML pages: everything inline, data escaped, the live page wired to the server's endpoints. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { livePageHtml, offlinePageHtml } from '../../src/visualizer/html.js';
import { bootElementId } from '../../src/visualizer/page/boot.js';
import { smallGraph } from './fixture.js';

test('the offline page is self-contained: inline script and styles, no external reference', async () => {
  const html = await offlinePageHtml(smallGraph(), { title: 'a <b> & c' });
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<title>a &#60;b&#62; &#38; c<\/title>/);
  assert.doesNotMatch(html, /<script[^>]+src=/i);
  assert.doesNotMatch(html, /<link[^>]+href=/i);
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)[^"'\s]*\.(js|css)\b/);
  assert.match(html, /connect-src 'none'/);
  assert.match(html, /cytoscape/i);
});

test('the graph rides in a JSON element that no string in it can close', async () => {
  const html = await offlinePageHtml(smallGraph());
  const m = html.match(
    new RegExp(`<script type="application/json" id="${bootElementId}">(.*?)</script>`, 's'),
  );
  assert.ok(m?.[1]);
  // The fixture's last error holds "</script>": it must be escaped inside the element.
  assert.doesNotMatch(m[1], /<\/script/i);
  const boot = JSON.parse(m[1]);
  assert.equal(boot.mode, 'offline');
  assert.deepEqual(boot.graph, smallGraph());
  assert.equal(html.match(/<\/script>/g)?.length, 2);
});

test('the live page carries no graph and fetches from its own origin', async () => {
  const html = await livePageHtml();
  assert.match(html, /"mode":"live"/);
  assert.match(html, /connect-src 'self'/);
  assert.ok(html.includes('/graph.json') && html.includes('/history.json') && html.includes('/events'));
});
