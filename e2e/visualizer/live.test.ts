/**
 * The live page of a running agent (`mmagent run --http 0`, simulator, netns) in a real browser:
 * chromium runs inside the agent's network namespace (the server is on its loopback) through a
 * wrapper that `ip netns exec`s it. Both modem clusters show; an injected connect failure turns
 * `mm.connection/modem-a` failed within a second, with its error in the panel; clearing it turns it
 * back; the timeline steps back to the earlier state; unchanged items keep their place.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { MMError } from '../../src/mmsim/errors.js';
import { cfgOf, modemA, modemB, needs, network, online, withAgentWorld } from '../agent/world.js';
import { skipUnless } from '../harness/require.js';
import { CHROMIUM, CHROMIUM_ARGS, saveScreenshot } from './browser.js';

interface CyNode {
  data(k: string): string;
  id(): string;
  position(): { x: number; y: number };
}
declare const window: {
  mmagentCy: {
    nodes(sel?: string): { map<T>(f: (n: CyNode) => T): T[] };
    getElementById(id: string): CyNode;
  };
};
declare const document: { querySelector(s: string): { click(): void; textContent: string | null } | null };

test('live page: clusters, a failure within a second with its error, back, the timeline, a stable layout', async (t) => {
  if (skipUnless(t, { ...needs, commands: [...needs.commands, 'chromium'] })) return;
  assert.ok(existsSync(CHROMIUM));
  const config = cfgOf(
    network('modem-a', 'wwan0'),
    network('modem-b', 'wwan1', {
      RouteMetric: 5001,
      AccessPoint: { Activated: true, APN: 'iot', IPType: 'ipv4' },
    }),
  );
  await withAgentWorld({ modems: [modemA(), modemB()], config, args: ['--http', '0'] }, async (w) => {
    await w.waitStatus((s) => online('modem-a')(s) && online('modem-b')(s), 'both online');
    await w.settle();
    const url = String(w.logs.find((l) => l.msg === 'visualizer listening')?.url ?? '');
    const dir = mkdtempSync(join(tmpdir(), 'mmagent-browser-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const wrapper = join(dir, 'chromium-in-netns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${w.ns.name} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({
      executablePath: wrapper,
      args: [...CHROMIUM_ARGS],
    });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window.mmagentCy?.nodes('.cluster').map((n) => n) ?? []).length >= 2);
    const clusters = await page.evaluate(() =>
      window.mmagentCy.nodes('.cluster').map((n) => n.data('label')),
    );
    assert.ok(clusters.includes('modem-a') && clusters.includes('modem-b'), clusters.join(','));
    const positions = () =>
      page.evaluate(() =>
        window.mmagentCy
          .nodes('[kind = "item"]')
          .map((n) => [n.id(), Math.round(n.position().x), Math.round(n.position().y)] as const),
      );
    const before = new Map((await positions()).map(([id, x, y]) => [id, `${x},${y}`]));
    const colour = (id: string) =>
      page.evaluate((i) => window.mmagentCy.getElementById(i).data('colour'), id);
    const CONN = 'mm.connection/modem-a';
    assert.equal(await colour(CONN), 'in-force');

    // A connect failure on modem A: the bearer drops and every reconnect fails.
    w.sim.failNextConnect('A', MMError.Failed, 'Call setup failed (injected)', 1000);
    const droppedAt = Date.now();
    w.sim.dropBearer('A');
    await page.waitForFunction((i) => window.mmagentCy.getElementById(i).data('colour') === 'failed', CONN, {
      timeout: 10_000,
    });
    const seenAt = Date.now();
    const failedLogged = w.logs.find(
      (l) => l.msg === 'reconciled with errors' && Date.parse(String(l.time)) >= droppedAt - 50,
    );
    const failedAt = failedLogged ? Date.parse(String(failedLogged.time)) : droppedAt;
    t.diagnostic(`connect failure in the agent -> red on the page: ${seenAt - failedAt} ms`);
    assert.ok(seenAt - failedAt < 1000, `${seenAt - failedAt} ms`);
    await page.evaluate(
      (i) => (window.mmagentCy.getElementById(i) as unknown as { emit(e: string): void }).emit('tap'),
      CONN,
    );
    await page.waitForFunction(() =>
      /Call setup failed \(injected\)/.test(document.querySelector('#panel')?.textContent ?? ''),
    );
    t.diagnostic(`screenshot: ${await saveScreenshot(page, 'live-failed.png')}`);
    // Unchanged items (modem B's) did not move.
    const after = new Map((await positions()).map(([id, x, y]) => [id, `${x},${y}`]));
    for (const [id, p] of before) if (id.endsWith('/modem-b')) assert.equal(after.get(id), p, `${id} moved`);

    // The fault cleared: connected again, the item back in force.
    w.sim.clearConnectFaults('A');
    await page.waitForFunction(
      (i) => window.mmagentCy.getElementById(i).data('colour') === 'in-force',
      CONN,
      {
        timeout: 30_000,
      },
    );
    // The timeline: an earlier run shows the item failed again.
    const failedRun = await page.evaluate(() => {
      const btns = (
        document as unknown as {
          querySelectorAll(s: string): Iterable<{ dataset: { run?: string }; title: string }>;
        }
      ).querySelectorAll('#timeline [data-run]');
      return [...btns]
        .filter((b) => b.dataset.run !== 'live' && /failed|error/i.test(b.title))
        .map((b) => b.dataset.run)
        .at(-1);
    });
    assert.ok(failedRun, 'a failed run in the timeline');
    await page.click(`#timeline [data-run="${failedRun}"]`);
    await page.waitForFunction((i) => window.mmagentCy.getElementById(i).data('colour') === 'failed', CONN, {
      timeout: 5_000,
    });
    t.diagnostic(`screenshot: ${await saveScreenshot(page, 'live-history.png')}`);
    assert.deepEqual(errors, []);
  });
});
