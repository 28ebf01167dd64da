import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Item, OpContext } from '../../reconciler/api.js';
import {
  ADDRESS,
  addressItem,
  createNetConfigurators,
  LINK,
  linkItem,
  ROUTE,
  type RouteSpec,
  routeItem,
} from '../../src/netitems/index.js';
import { NetlinkError } from '../../src/netlink/errors.js';
import { FakeNetlink, link } from './fake-netlink.js';

function ctx(signal = new AbortController().signal): OpContext {
  return {
    signal,
    attempt: 1,
    step: {
      id: 'test',
      op: 'create',
      ref: { type: 't', name: 'n' },
      reason: { kind: 'new', detail: '' },
      after: [],
    },
  };
}

function setup() {
  const nl = new FakeNetlink();
  nl.links = [link(7, 'wwan0'), link(2, 'eth0')];
  return { nl, c: createNetConfigurators({ netlink: nl, resolvDir: '/nonexistent' }) };
}

const r4 = (metric: number, gateway?: string): Item<RouteSpec> =>
  routeItem({ ifname: 'wwan0', family: 4, dst: 'default', metric, ...(gateway ? { gateway } : {}) });

test('link: create sets up and MTU in one request; an MTU-only modify is one setLink with only the MTU', async () => {
  const { nl, c } = setup();
  await c[LINK].create(linkItem('wwan0', { mtu: 1430, up: true }), ctx());
  assert.deepEqual(
    nl.calls.map((x) => [x.op, ...x.args]),
    [['setLink', 'wwan0', { up: true, mtu: 1430 }]],
  );
  nl.calls = [];
  await c[LINK].modify(
    linkItem('wwan0', { mtu: 1430, up: true }),
    linkItem('wwan0', { mtu: 1400, up: true }),
    ctx(),
  );
  assert.deepEqual(
    nl.calls.map((x) => [x.op, ...x.args]),
    [['setLink', 'wwan0', { mtu: 1400 }]],
  );
  nl.calls = [];
  await c[LINK].modify(
    linkItem('wwan0', { mtu: 1400, up: true }),
    linkItem('wwan0', { mtu: 1400, up: true }),
    ctx(),
  );
  assert.equal(nl.calls.length, 0);
});

test('link: delete takes it down; a vanished interface (ENODEV) is success; other errors are not', async () => {
  const { nl, c } = setup();
  nl.failures.set('setLink', ['ENODEV', 'EPERM']);
  await c[LINK].delete(linkItem('wwan0', { mtu: 1500, up: true }), ctx());
  assert.deepEqual(nl.calls[0]!.args, ['wwan0', { up: false }]);
  await assert.rejects(
    Promise.resolve(c[LINK].delete(linkItem('wwan0', { mtu: 1500, up: true }), ctx())),
    (e: unknown) => e instanceof NetlinkError && e.code === 'EPERM',
  );
});

test('address: EEXIST on create and EADDRNOTAVAIL/ENODEV on delete are success; IPv6 uses nodad', async () => {
  const { nl, c } = setup();
  const a6 = addressItem({ ifname: 'wwan0', address: '2001:db8::2', prefixLength: 64, family: 6 });
  nl.failures.set('addAddress', ['EEXIST', 'EINVAL']);
  nl.failures.set('deleteAddress', ['EADDRNOTAVAIL', 'ENODEV']);
  await c[ADDRESS].create(a6, ctx());
  assert.deepEqual(nl.calls[0]!.args, [
    'wwan0',
    { family: 6, address: '2001:db8::2', prefixLength: 64, nodad: true },
  ]);
  await assert.rejects(Promise.resolve(c[ADDRESS].create(a6, ctx())), /EINVAL/);
  await c[ADDRESS].delete(a6, ctx());
  await c[ADDRESS].delete(a6, ctx());
  assert.ok(c[ADDRESS].needsRecreate?.(a6, a6, []));
});

test('the OpContext signal reaches the adapter', async () => {
  const { nl, c } = setup();
  const ac = new AbortController();
  await c[ROUTE].create(r4(100), ctx(ac.signal));
  assert.equal(nl.calls[0]!.signal, ac.signal);
});

test('route: EEXIST for an identical route of ours is success, with no further change', async () => {
  const { nl, c } = setup();
  nl.failures.set('addRoute', ['EEXIST']);
  nl.routes = [
    {
      family: 4,
      dst: 'default',
      oif: 7,
      metric: 100,
      table: 254,
      protocol: 'static',
      scope: 'link',
      type: 'unicast',
      onlink: false,
    },
  ];
  await c[ROUTE].create(r4(100), ctx());
  assert.deepEqual(nl.ops(), ['addRoute', 'listRoutes']);
});

test('route: EEXIST because another interface holds the key fails and leaves the other route alone', async () => {
  const { nl, c } = setup();
  nl.failures.set('addRoute', ['EEXIST']);
  nl.routes = [
    {
      family: 4,
      dst: 'default',
      gateway: '192.0.2.1',
      oif: 2,
      metric: 100,
      table: 254,
      protocol: 'static',
      scope: 'universe',
      type: 'unicast',
      onlink: false,
    },
  ];
  await assert.rejects(Promise.resolve(c[ROUTE].create(r4(100), ctx())), /another interface/);
  assert.deepEqual(nl.ops(), ['addRoute', 'listRoutes']);
});

test('route: EEXIST for a different route of ours (old gateway) deletes exactly that one and adds', async () => {
  const { nl, c } = setup();
  nl.failures.set('addRoute', ['EEXIST']);
  nl.routes = [
    {
      family: 4,
      dst: 'default',
      gateway: '10.0.0.1',
      oif: 7,
      metric: 100,
      table: 254,
      protocol: 'boot',
      scope: 'universe',
      type: 'unicast',
      onlink: false,
    },
  ];
  await c[ROUTE].create(r4(100, '10.0.0.9'), ctx());
  assert.deepEqual(nl.ops(), ['addRoute', 'listRoutes', 'deleteRoute', 'addRoute']);
  const del = nl.calls[2]!.args[0] as { gateway: string; protocol: string; ifname: string };
  assert.equal(del.gateway, '10.0.0.1');
  assert.equal(del.protocol, 'boot');
  assert.equal(del.ifname, 'wwan0');
});

test('route: a metric change adds the new route before deleting the old one (make-before-break)', async () => {
  const { nl, c } = setup();
  await c[ROUTE].modify(r4(100), r4(200), ctx());
  assert.deepEqual(
    nl.calls.map((x) => [x.op, (x.args[0] as { metric: number }).metric]),
    [
      ['addRoute', 200],
      ['deleteRoute', 100],
    ],
  );
  assert.equal(c[ROUTE].needsRecreate?.(r4(100), r4(200), []), false);
});

test('route: a gateway change with the same metric deletes the old route first (same kernel key)', async () => {
  const { nl, c } = setup();
  await c[ROUTE].modify(r4(100, '10.0.0.1'), r4(100, '10.0.0.2'), ctx());
  assert.deepEqual(
    nl.calls.map((x) => [x.op, (x.args[0] as { gateway?: string }).gateway]),
    [
      ['deleteRoute', '10.0.0.1'],
      ['addRoute', '10.0.0.2'],
    ],
  );
});

test('route: delete of a route already gone (ESRCH, ENODEV) is success', async () => {
  const { nl, c } = setup();
  nl.failures.set('deleteRoute', ['ESRCH', 'ENODEV', 'EPERM']);
  await c[ROUTE].delete(r4(100), ctx());
  await c[ROUTE].delete(r4(100), ctx());
  await assert.rejects(Promise.resolve(c[ROUTE].delete(r4(100), ctx())), /EPERM/);
});
