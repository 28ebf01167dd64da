/**
 * The network items under the real reconciler Controller, in the namespace (run by run-scenario.ts
 * like the others): desired graph from interfaceItems, current graph fed by the observer, the kernel
 * read independently with `ip -j`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller } from '../../reconciler/controller.js';
import { syncGraph } from '../../reconciler/graph.js';
import {
  createNetObserver,
  type InterfaceSettings,
  interfaceItems,
  netPredicates,
  syncObservedNetItems,
} from '../../src/netitems/index.js';
import { globalAddrs, ip, link, routes } from './kernel.js';
import type { Scenario } from './scenarios.js';

async function eventually(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const BASE: InterfaceSettings = {
  ifname: 'wwan0',
  mtu: 1430,
  ipv4: { address: '10.64.1.2', prefixLength: 30, gateway: '10.64.1.1' },
  ipv6: { address: '2001:db8:1::2', prefixLength: 64, gateway: 'fe80::1' },
  dns: ['10.64.0.53'],
  metric: 700,
};

const defaults = () =>
  routes('wwan0')
    .filter((r) => r.dst === 'default')
    .map((r) => `${r.gateway} ${r.metric}`)
    .sort();

export const controllerScenario: Scenario = async ({ nl, c, resolvDir }) => {
  const ctl = new Controller({
    name: 'net',
    configurators: c,
    predicates: netPredicates,
    defaultTimeoutMs: 5000,
    backoff: { baseMs: 20, maxMs: 200, factor: 2, jitter: 0 },
  });
  const ifnames = ['wwan0'];
  const obs = createNetObserver({
    netlink: nl,
    ifnames,
    resolvDir,
    onChange: () =>
      ctl.observe((e) =>
        syncObservedNetItems(
          e,
          [...ctl.state().current.nodes.values()].map((n) => n.item),
          obs.items(),
          { ifnames, dns: true },
        ),
      ),
  });
  const settled = async () => {
    await new Promise((r) => setTimeout(r, 100)); // let the watcher's events arrive
    await ctl.idle();
  };
  const setDesired = (s: InterfaceSettings | undefined) =>
    ctl.setDesired(syncGraph(ctl.state().desired, s ? interfaceItems(s) : []));
  try {
    await obs.start();

    // 1. Connect: everything is created in dependency order.
    setDesired(BASE);
    await settled();
    assert.equal(link('wwan0').mtu, 1430);
    assert.deepEqual(globalAddrs('wwan0').sort(), ['10.64.1.2/30', '2001:db8:1::2/64']);
    assert.deepEqual(defaults(), ['10.64.1.1 700', 'fe80::1 700']);
    assert.equal(readFileSync(join(resolvDir, 'wwan0.dhcp'), 'utf8'), 'nameserver 10.64.0.53\n');
    assert.equal(ctl.preview().steps.length, 0, 'nothing left to do');

    // 2. MTU only: one step, one netlink request.
    nl.resetStats();
    const runsBefore = ctl.history().length;
    setDesired({ ...BASE, mtu: 1350 });
    await settled();
    assert.equal(link('wwan0').mtu, 1350);
    const mtuSteps = ctl
      .history()
      .slice(runsBefore)
      .flatMap((r) => r.plan.steps.map((s) => `${s.op} ${s.ref.type}/${s.ref.name}`));
    assert.deepEqual(mtuSteps, ['modify net.link/wwan0']);
    assert.deepEqual(nl.stats().byOperation, { setLink: 1 });

    // 3. Metric only: the routes are replaced, addresses untouched.
    setDesired({ ...BASE, mtu: 1350, metric: 800 });
    await settled();
    assert.deepEqual(defaults(), ['10.64.1.1 800', 'fe80::1 800']);
    assert.deepEqual(globalAddrs('wwan0').sort(), ['10.64.1.2/30', '2001:db8:1::2/64']);

    // 4. Drift: someone deletes the IPv4 address (the kernel flushes the IPv4 route with it).
    ip('addr', 'del', '10.64.1.2/30', 'dev', 'wwan0');
    await eventually('the address is put back', () => globalAddrs('wwan0').includes('10.64.1.2/30'));
    await eventually('the route is put back', () => defaults().includes('10.64.1.1 800'));
    await settled();
    const driftSteps = ctl
      .history()
      .flatMap((r) =>
        r.plan.steps.filter((s) => s.ref.name.includes('ipv4') || s.ref.name.includes('10.64.1.2')),
      )
      .map((s) => `${s.op} ${s.ref.type}`);
    assert.ok(driftSteps.includes('create net.address'), driftSteps.join());

    // 5. Disconnect: everything removed, DNS file gone, link down.
    setDesired(undefined);
    await settled();
    assert.deepEqual(globalAddrs('wwan0'), []);
    assert.deepEqual(routes('wwan0'), []);
    assert.ok(!link('wwan0').flags.includes('UP'));
    assert.ok(!existsSync(join(resolvDir, 'wwan0.dhcp')));
    const failed = ctl.history().reduce((n, r) => n + r.failed, 0);
    return { runs: ctl.history().length, failedSteps: failed };
  } finally {
    obs.close();
    await ctl.stop();
  }
};
