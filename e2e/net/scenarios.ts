/**
 * Netlink scenarios, each run INSIDE a fresh network namespace by run-scenario.ts (a child started
 * with `ip netns exec`). Namespace layout made by the test: wwan0 and wwan1 are held-open tun
 * devices (carrier up, admin down, no address); eth0 is a held-open tun that is up with 192.0.2.2/24
 * and `default via 192.0.2.1 metric 100`, standing for the device's other uplink.
 *
 * The code under test (adapter, configurators, observer) does the work; assertions read the kernel
 * with `ip -j` (kernel.ts). Each scenario returns a small JSON summary for the test to print/check.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Item, OpContext } from '../../reconciler/api.js';
import {
  createNetObserver,
  type InterfaceSettings,
  interfaceItems,
  LINK,
  linkItem,
  type NetConfigurators,
  ROUTE,
  type RouteSpec,
  routeItem,
} from '../../src/netitems/index.js';
import type { NetlinkAdapter } from '../../src/netlink/adapter.js';
import { NetlinkAbortError, NetlinkError } from '../../src/netlink/errors.js';
import { type NetEvent, watchNetlink } from '../../src/netlink/watch.js';
import { controllerScenario } from './controller-scenario.js';
import { globalAddrs, ip, link, routes } from './kernel.js';

export interface ScenarioEnv {
  readonly nl: NetlinkAdapter;
  readonly c: NetConfigurators;
  readonly resolvDir: string;
}

export type Scenario = (env: ScenarioEnv) => Promise<Record<string, unknown>>;

function ctx(): OpContext {
  return {
    signal: AbortSignal.timeout(10_000),
    attempt: 1,
    step: {
      id: 'e2e',
      op: 'create',
      ref: { type: 'e2e', name: 'e2e' },
      reason: { kind: 'new', detail: 'e2e' },
      after: [],
    },
  };
}

type AnyConfigurator = {
  create(i: Item, c: OpContext): Promise<void> | void;
  delete(i: Item, c: OpContext): Promise<void> | void;
  modify(o: Item, n: Item, c: OpContext): Promise<void> | void;
};

function conf(c: NetConfigurators, type: string): AnyConfigurator {
  const x = (c as unknown as Record<string, AnyConfigurator | undefined>)[type];
  if (!x) throw new Error(`no configurator for ${type}`);
  return x;
}

/** Creates items in the given (dependency) order, as the reconciler's plan would. */
async function createAll(c: NetConfigurators, items: readonly Item[]): Promise<void> {
  for (const i of items) await conf(c, i.type).create(i, ctx());
}

async function deleteAll(c: NetConfigurators, items: readonly Item[]): Promise<void> {
  for (const i of [...items].reverse()) await conf(c, i.type).delete(i, ctx());
}

async function eventually(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The kernel's own IPv6 link-local business, which goes on by itself after a link comes up (the
 * fe80:: address appears, then loses its tentative flag when DAD ends): not a change we made.
 */
function kernelOwn(e: NetEvent): boolean {
  if (e.kind === 'address') return e.address.scope === 253;
  if (e.kind === 'route') return /^(fe80|ff00)/.test(e.route.dst);
  return false;
}

/**
 * A change to an address or route, as opposed to the kernel re-announcing one that was already there
 * unchanged (the late DAD-completion RTM_NEWADDR of an IPv6 address and its local /128 route).
 * `before`: `addr/len` of the interface's addresses before the operation.
 */
function isChange(e: NetEvent, before: readonly string[]): boolean {
  if (kernelOwn(e)) return false;
  if (e.op === 'del') return e.kind !== 'link';
  if (e.kind === 'address') return !before.includes(`${e.address.address}/${e.address.prefixLength}`);
  if (e.kind === 'route') {
    const local =
      e.route.table === 255 &&
      before.some((a) => `${a.split('/')[0]}/${e.route.family === 4 ? 32 : 128}` === e.route.dst);
    return !local;
  }
  return false;
}

/**
 * Waits until the kernel has been quiet for `quietMs`. Adding an IPv6 address is finished by a kernel
 * work item (DAD completion, even with nodad: a second RTM_NEWADDR and the local /128 route), which on
 * a loaded machine can land after the request returned; an operation measured next must not get them.
 */
async function quiesce(quietMs = 200, maxMs = 5000): Promise<void> {
  let last = Date.now();
  const w = watchNetlink(() => {
    last = Date.now();
  });
  try {
    const end = Date.now() + maxMs;
    while (Date.now() - last < quietMs && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  } finally {
    w.close();
  }
}

/** Records the watcher's events while `fn` runs (and a short settle time after). */
async function recordEvents(fn: () => Promise<void>): Promise<NetEvent[]> {
  await quiesce();
  const events: NetEvent[] = [];
  const w = watchNetlink((e) => events.push(e));
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 150));
  } finally {
    w.close();
  }
  return events;
}

const V4_GW: InterfaceSettings = {
  ifname: 'wwan0',
  mtu: 1430,
  ipv4: { address: '10.64.1.2', prefixLength: 30, gateway: '10.64.1.1' },
  dns: ['10.64.0.53', '10.64.0.54'],
  metric: 700,
};
const V4_P2P: InterfaceSettings = {
  ifname: 'wwan0',
  mtu: 1500,
  ipv4: { address: '10.0.0.7', prefixLength: 32 },
  dns: ['10.0.0.53'],
  metric: 700,
};
const V4_32_GW: InterfaceSettings = {
  ifname: 'wwan0',
  mtu: 1500,
  ipv4: { address: '10.0.0.7', prefixLength: 32, gateway: '10.0.0.1' },
  metric: 700,
};
const V6_GW: InterfaceSettings = {
  ifname: 'wwan0',
  mtu: 1400,
  ipv6: { address: '2001:db8:1::2', prefixLength: 64, gateway: 'fe80::1' },
  dns: ['2001:db8:1::53'],
  metric: 700,
};
const V6_P2P: InterfaceSettings = {
  ifname: 'wwan0',
  mtu: 1400,
  ipv6: { address: '2001:db8:1::2', prefixLength: 128 },
  metric: 700,
};
const DUAL_GW: InterfaceSettings = { ...V4_GW, ipv6: V6_GW.ipv6, dns: ['10.64.0.53', '2001:db8:1::53'] };
const DUAL_P2P: InterfaceSettings = { ...V4_P2P, ipv6: V6_P2P.ipv6 };

/** Asserts the kernel shows exactly the settings `s` on its interface (independently, via ip -j). */
function assertApplied(s: InterfaceSettings, resolvDir: string): void {
  const l = link(s.ifname);
  assert.equal(l.mtu, s.mtu, 'MTU');
  assert.ok(l.flags.includes('UP') && l.flags.includes('LOWER_UP'), `link flags ${l.flags}`);
  const want = [s.ipv4, s.ipv6].filter((f) => f !== undefined).map((f) => `${f.address}/${f.prefixLength}`);
  assert.deepEqual(globalAddrs(s.ifname).sort(), want.sort(), 'addresses');
  const defaults = routes(s.ifname).filter((r) => r.dst === 'default');
  const wantRoutes = [s.ipv4, s.ipv6]
    .filter((f) => f !== undefined)
    .map((f) => `default via ${f.gateway ?? '-'} metric ${s.metric} proto static`);
  assert.deepEqual(
    defaults.map((r) => `${r.dst} via ${r.gateway ?? '-'} metric ${r.metric} proto ${r.protocol}`).sort(),
    wantRoutes.sort(),
    'default routes',
  );
  const v4gw = defaults.find((r) => r.gateway !== undefined && !r.gateway.includes(':'));
  if (s.ipv4?.gateway && s.ipv4.prefixLength === 32) {
    assert.ok(v4gw?.flags?.includes('onlink'), `a /32 with a gateway needs onlink: ${JSON.stringify(v4gw)}`);
  } else if (v4gw) {
    assert.ok(!v4gw.flags?.includes('onlink'), 'a gateway inside the prefix needs no onlink');
  }
  if (s.ipv4 && !s.ipv4.gateway) {
    // A point-to-point /32 needs a device route: `default dev wwan0 scope link`.
    const v4 = routes(s.ifname).find(
      (r) => r.dst === 'default' && !r.dst.includes(':') && r.gateway === undefined,
    );
    assert.equal(v4?.scope, 'link', 'IPv4 device route has scope link');
  }
  const file = join(resolvDir, `${s.ifname}.dhcp`);
  if (s.dns?.length) {
    assert.equal(readFileSync(file, 'utf8'), s.dns.map((d) => `nameserver ${d}\n`).join(''));
  } else {
    assert.ok(!existsSync(file), 'no DNS file without servers');
  }
}

function applyScenario(s: InterfaceSettings): Scenario {
  return async ({ nl, c, resolvDir }) => {
    const items = interfaceItems(s);
    await createAll(c, items);
    assertApplied(s, resolvDir);
    // Idempotent: creating everything again succeeds (EEXIST is "already as wanted") and changes nothing.
    nl.resetStats();
    await createAll(c, items);
    assertApplied(s, resolvDir);
    return { items: items.length, requestsOnReapply: nl.stats().requests };
  };
}

export const scenarios: Readonly<Record<string, Scenario>> = {
  'ipv4 with gateway': applyScenario(V4_GW),
  'ipv4 point-to-point /32 without gateway (device route)': applyScenario(V4_P2P),
  'ipv4 /32 with a gateway outside it (onlink)': applyScenario(V4_32_GW),
  'ipv6 with gateway': applyScenario(V6_GW),
  'ipv6 without gateway (device route)': applyScenario(V6_P2P),
  'dual-stack with gateways': applyScenario(DUAL_GW),
  'dual-stack without gateways': applyScenario(DUAL_P2P),

  'MTU-only change is one netlink operation and leaves addresses and routes alone': async ({
    nl,
    c,
    resolvDir,
  }) => {
    await createAll(c, interfaceItems(DUAL_GW));
    const before = globalAddrs('wwan0');
    nl.resetStats();
    const events = await recordEvents(async () => {
      await c[LINK].modify(
        linkItem('wwan0', { mtu: 1430, up: true }),
        linkItem('wwan0', { mtu: 1350, up: true }),
        ctx(),
      );
    });
    const stats = nl.stats();
    assert.equal(stats.requests, 1, `requests: ${JSON.stringify(stats.byOperation)}`);
    assert.deepEqual(stats.byOperation, { setLink: 1 });
    assertApplied({ ...DUAL_GW, mtu: 1350 }, resolvDir);
    const touched = events.filter((e) => isChange(e, before));
    assert.deepEqual(touched, [], `no address or route changed: ${JSON.stringify(touched)}`);
    return { requests: stats.requests, events: events.map((e) => `${e.op} ${e.kind}`) };
  },

  'metric-only change replaces the route and leaves the address alone': async ({ nl, c, resolvDir }) => {
    const items = interfaceItems(V4_GW);
    await createAll(c, items);
    const oldRoute = items.find((i) => i.type === ROUTE) as Item<RouteSpec>;
    const newRoute = routeItem({ ...oldRoute.spec, metric: 800 }, oldRoute.deps[1]?.ref);
    assert.equal(c[ROUTE].needsRecreate?.(oldRoute, newRoute, []), false);
    const before = globalAddrs('wwan0');
    nl.resetStats();
    const events = await recordEvents(async () => {
      await c[ROUTE].modify(oldRoute, newRoute, ctx());
    });
    assertApplied({ ...V4_GW, metric: 800 }, resolvDir);
    assert.deepEqual(
      events.filter((e) => e.kind === 'address' && isChange(e, before)),
      [],
      'address and link untouched',
    );
    const routeEvents = events
      .filter((e) => e.kind === 'route' && isChange(e, before))
      .map((e) => (e.kind === 'route' ? `${e.op} ${e.route.metric}` : ''));
    assert.deepEqual(routeEvents, ['new 800', 'del 700'], 'make-before-break');
    return { byOperation: nl.stats().byOperation, routeEvents };
  },

  'remove everything, twice': async ({ c, resolvDir }) => {
    const items = interfaceItems(DUAL_GW);
    await createAll(c, items);
    await deleteAll(c, items);
    const l = link('wwan0');
    assert.ok(!l.flags.includes('UP'), 'link down');
    assert.deepEqual(globalAddrs('wwan0'), []);
    assert.deepEqual(routes('wwan0'), []);
    assert.ok(!existsSync(join(resolvDir, 'wwan0.dhcp')), 'DNS file removed');
    // Everything already gone: ESRCH / EADDRNOTAVAIL / ENOENT are success.
    await deleteAll(c, items);
    return { deleted: items.length };
  },

  'address deleted from outside is observed and put back': async ({ nl, c, resolvDir }) => {
    const desired = interfaceItems(V4_GW);
    await createAll(c, desired);
    const obs = createNetObserver({ netlink: nl, ifnames: ['wwan0'] });
    await obs.start();
    try {
      const key = (i: Item) => `${i.type}:${i.name}:${JSON.stringify(i.spec)}`;
      const wantNoDns = desired.filter((i) => i.type !== 'net.dns');
      assert.deepEqual(obs.items().map(key), wantNoDns.map(key), 'observed = desired after apply');
      assert.deepEqual(
        obs.items().map((i) => i.deps),
        wantNoDns.map((i) => i.deps),
        'observed deps = desired deps',
      );

      ip('addr', 'del', '10.64.1.2/30', 'dev', 'wwan0'); // someone else
      await eventually('observer sees the address DEL', () =>
        obs.events.some((e) => e.kind === 'address' && e.op === 'del' && e.address.address === '10.64.1.2'),
      );
      await eventually(
        'observer drops the address and the route the kernel flushed',
        () => obs.items().length === 1,
      );
      assert.deepEqual(routes('wwan0'), [], 'kernel flushed the IPv4 route with the last IPv4 address');

      // Drift repair: what is desired but not observed is created again, in dependency order.
      const observed = new Set(obs.items().map(key));
      const missing = desired.filter((i) => i.type !== 'net.dns' && !observed.has(key(i)));
      assert.deepEqual(
        missing.map((i) => i.type),
        ['net.address', 'net.route'],
      );
      await createAll(c, missing);
      assertApplied(V4_GW, resolvDir);
      await eventually(
        'observer sees the repair',
        () => obs.items().map(key).join() === wantNoDns.map(key).join(),
      );
      return { events: obs.events.map((e) => `${e.op} ${e.kind}`) };
    } finally {
      obs.close();
    }
  },

  'a route key held by another interface is refused, not replaced': async ({ c }) => {
    // eth0 has `default via 192.0.2.1 metric 100`; wwan0 asks for the same key (default, main, metric 100).
    const items = interfaceItems({ ...V4_P2P, metric: 100 });
    const route = items.find((i) => i.type === ROUTE)!;
    await createAll(
      c,
      items.filter((i) => i !== route),
    );
    await assert.rejects(Promise.resolve(conf(c, ROUTE).create(route, ctx())), /another interface/);
    assert.deepEqual(routes('wwan0'), []);
    return {};
  },

  'the watcher keeps NEW vs DEL through a burst while the event loop is blocked (4 MiB buffer)': async () => {
    const pairs = 1000;
    const events: NetEvent[] = [];
    const w = watchNetlink((e) => events.push(e));
    try {
      const lines: string[] = [];
      for (let i = 0; i < pairs; i++) {
        const a = `10.${100 + (i >> 8)}.${i & 255}.1/32`;
        lines.push(`addr add ${a} dev wwan1`, `addr del ${a} dev wwan1`);
      }
      // spawnSync blocks the event loop: every notification waits in the socket buffer. With the
      // default buffer this overflows and netlink@0.3.0 aborts the process (node-stack.md §3).
      const r = spawnSync('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
      assert.equal(r.status, 0, r.stderr.toString());
      const count = (op: string) =>
        events.filter((e) => e.kind === 'address' && e.op === op && e.address.address.startsWith('10.1'))
          .length;
      await eventually(
        `${pairs} NEWADDR and ${pairs} DELADDR`,
        () => count('new') === pairs && count('del') === pairs,
      );
      return { events: events.length };
    } finally {
      w.close();
    }
  },

  'adapter: typed errors, stale interface index, aborted calls send nothing': async ({ nl }) => {
    assert.equal(await nl.getLink('nosuch0'), undefined);
    await assert.rejects(
      nl.addAddress('nosuch0', { family: 4, address: '10.1.1.1', prefixLength: 32 }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'ENODEV',
    );
    await assert.rejects(
      nl.deleteAddress('wwan0', { family: 4, address: '10.1.1.1', prefixLength: 32 }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'EADDRNOTAVAIL',
    );
    await assert.rejects(
      nl.deleteRoute({ ifname: 'wwan0', family: 4, dst: 'default', metric: 9 }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'ESRCH',
    );
    // An interface that is re-created gets a new index: the cached one fails with ENODEV and the
    // adapter looks the name up again, transparently.
    ip('tuntap', 'add', 'wwan9', 'mode', 'tun');
    await nl.addAddress('wwan9', { family: 4, address: '10.9.9.9', prefixLength: 32 });
    const firstIndex = (await nl.getLink('wwan9'))?.index;
    ip('link', 'del', 'wwan9');
    ip('tuntap', 'add', 'wwan9', 'mode', 'tun');
    await nl.addAddress('wwan9', { family: 4, address: '10.9.9.9', prefixLength: 32 });
    assert.notEqual((await nl.getLink('wwan9'))?.index, firstIndex);
    assert.deepEqual(globalAddrs('wwan9'), ['10.9.9.9/32']);
    // IPv6 with nodad is usable at once (not tentative).
    await nl.setLink('wwan0', { up: true });
    await nl.addAddress('wwan0', { family: 6, address: '2001:db8::5', prefixLength: 64, nodad: true });
    const [v6] = (await nl.listAddresses({ ifname: 'wwan0', family: 6 })).filter((a) => a.scope === 0);
    assert.equal(v6?.tentative, false);
    // A call whose signal is already aborted sends no request.
    const ac = new AbortController();
    ac.abort();
    nl.resetStats();
    await assert.rejects(nl.setLink('wwan0', { mtu: 1300 }, { signal: ac.signal }), NetlinkAbortError);
    assert.equal(nl.stats().requests, 0);
    assert.notEqual(link('wwan0').mtu, 1300);
    return {};
  },

  'a throwing event consumer reaches uncaughtException instead of aborting the process': async () => {
    const caught: unknown[] = [];
    const onUncaught = (err: unknown) => caught.push(err);
    process.on('uncaughtException', onUncaught);
    const w = watchNetlink(() => {
      throw new Error('consumer bug');
    });
    try {
      ip('addr', 'add', '10.5.5.5/32', 'dev', 'wwan0');
      await eventually('the consumer error surfaces', () => caught.length > 0);
      assert.match(String(caught[0]), /consumer bug/);
      return { caught: caught.length };
    } finally {
      w.close();
      process.off('uncaughtException', onUncaught);
    }
  },

  'under the reconciler Controller: connect, MTU, metric, drift, disconnect': (env) =>
    controllerScenario(env),
};
