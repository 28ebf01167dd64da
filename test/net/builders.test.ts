import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ADDRESS,
  addressItem,
  DNS,
  dnsItem,
  interfaceItems,
  LINK,
  linkItem,
  netPredicates,
  ROUTE,
  routeItem,
} from '../../src/netitems/index.js';

test('interfaceItems: dual stack with gateways gives link, addresses, routes and DNS with their deps', () => {
  const items = interfaceItems({
    ifname: 'wwan0',
    mtu: 1430,
    ipv4: { address: '10.64.1.2', prefixLength: 30, gateway: '10.64.1.1' },
    ipv6: { address: '2001:DB8:1::2', prefixLength: 64, gateway: 'fe80::1' },
    dns: ['10.64.0.53'],
    metric: 700,
  });
  assert.deepEqual(
    items.map((i) => `${i.type}:${i.name}`),
    [
      'net.link:wwan0',
      'net.address:wwan0/10.64.1.2/30',
      'net.route:wwan0/ipv4/default/table254',
      'net.address:wwan0/2001:db8:1::2/64',
      'net.route:wwan0/ipv6/default/table254',
      'net.dns:wwan0',
    ],
  );
  assert.deepEqual(items[0]!.spec, { mtu: 1430, up: true });
  assert.deepEqual(items[3]!.spec, {
    ifname: 'wwan0',
    address: '2001:db8:1::2',
    prefixLength: 64,
    family: 6,
  });
  assert.deepEqual(items[2]!.spec, {
    ifname: 'wwan0',
    family: 4,
    dst: 'default',
    gateway: '10.64.1.1',
    metric: 700,
    table: 254,
    protocol: 'static',
  });
  assert.deepEqual(
    items[2]!.deps.map((d) => [d.ref.type, d.ref.name, d.predicate?.name]),
    [
      [LINK, 'wwan0', 'linkUp'],
      [ADDRESS, 'wwan0/10.64.1.2/30', undefined],
    ],
  );
  assert.deepEqual(
    items[1]!.deps.map((d) => [d.ref.type, d.ref.name, d.predicate?.name]),
    [[LINK, 'wwan0', 'linkUp']],
  );
  assert.equal(items[5]!.type, DNS);
  assert.ok(items.every((i) => i.external === false));
  // Specs are plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(items)), items);
});

test('a gateway-less /32 gets a device route (no gateway key at all); no DNS item without servers', () => {
  const items = interfaceItems({
    ifname: 'wwan1',
    mtu: 1500,
    ipv4: { address: '10.0.0.7', prefixLength: 32 },
    metric: 100,
  });
  const route = items.find((i) => i.type === ROUTE)!;
  assert.deepEqual(route.spec, {
    ifname: 'wwan1',
    family: 4,
    dst: 'default',
    metric: 100,
    table: 254,
    protocol: 'static',
  });
  assert.ok(!('gateway' in (route.spec as object)));
  assert.equal(items.filter((i) => i.type === DNS).length, 0);
});

test('an IPv4 gateway outside the address prefix (a /32 bearer) makes the route onlink', () => {
  const route = (prefixLength: number) =>
    interfaceItems({
      ifname: 'wwan0',
      mtu: 1500,
      ipv4: { address: '10.0.0.7', prefixLength, gateway: '10.0.0.1' },
      metric: 1,
    }).find((i) => i.type === ROUTE)!.spec as { onlink?: boolean };
  assert.equal(route(32).onlink, true);
  assert.ok(!('onlink' in route(24)));
  // onlink is meaningless without a gateway and never appears then.
  assert.ok(
    !('onlink' in routeItem({ ifname: 'wwan0', family: 4, dst: 'default', metric: 1, onlink: true }).spec),
  );
});

test('builders validate and canonicalise input', () => {
  assert.throws(
    () => addressItem({ ifname: 'wwan0', address: '10.0.0.1', prefixLength: 33, family: 4 }),
    RangeError,
  );
  assert.throws(
    () => addressItem({ ifname: 'wwan0', address: '10.0.0.1', prefixLength: 24, family: 6 }),
    RangeError,
  );
  assert.throws(() => linkItem('wwan0', { mtu: 10, up: true }), RangeError);
  assert.throws(() =>
    routeItem({ ifname: 'wwan0', family: 4, dst: 'default', gateway: 'fe80::1', metric: 1 }),
  );
  assert.throws(() => routeItem({ ifname: 'wwan0', family: 4, dst: 'default', metric: -1 }), RangeError);
  const r = routeItem({
    ifname: 'wwan0',
    family: 6,
    dst: '::/0',
    gateway: 'FE80::0001',
    metric: 5,
    protocol: 'BOOT',
  });
  assert.equal(r.name, 'wwan0/ipv6/default/table254');
  assert.equal((r.spec as { gateway: string }).gateway, 'fe80::1');
  assert.equal((r.spec as { protocol: string }).protocol, 'boot');
  assert.deepEqual(dnsItem('wwan0', ['2001:4860:4860:0::8888']).spec, {
    ifname: 'wwan0',
    servers: ['2001:4860:4860::8888'],
  });
});

test('the metric is not part of a route name: a metric change is a modify of the same item', () => {
  const a = routeItem({ ifname: 'wwan0', family: 4, dst: 'default', metric: 100 });
  const b = routeItem({ ifname: 'wwan0', family: 4, dst: 'default', metric: 200 });
  assert.equal(a.name, b.name);
  assert.notDeepEqual(a.spec, b.spec);
});

test('predicates: linkUp and mtuAtLeast are total', () => {
  assert.equal(netPredicates.linkUp!({ mtu: 1500, up: true }, undefined), true);
  assert.equal(netPredicates.linkUp!({ mtu: 1500, up: false }, undefined), false);
  assert.equal(netPredicates.linkUp!(null, undefined), false);
  assert.equal(netPredicates.linkUp!([1], undefined), false);
  assert.equal(netPredicates.mtuAtLeast!({ mtu: 1500, up: true }, 1280), true);
  assert.equal(netPredicates.mtuAtLeast!({ mtu: 1200, up: true }, 1280), false);
  assert.equal(netPredicates.mtuAtLeast!({ mtu: 1500, up: true }, 'x'), false);
});
