import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeInterfaceDns, writeInterfaceDns } from '../../src/dns/resolvconf.js';
import { createNetObserver, OBSERVER_EVENT_HISTORY } from '../../src/netitems/index.js';
import type { AddressState, RouteState } from '../../src/netlink/types.js';
import type { NetEvent } from '../../src/netlink/watch.js';
import { FakeNetlink, link } from './fake-netlink.js';

const addr = (
  index: number,
  address: string,
  prefixLength: number,
  over: Partial<AddressState> = {},
): AddressState => ({
  index,
  family: address.includes(':') ? 6 : 4,
  address,
  prefixLength,
  scope: 0,
  tentative: false,
  ...over,
});
const route = (oif: number, family: 4 | 6, over: Partial<RouteState> = {}): RouteState => ({
  family,
  dst: 'default',
  oif,
  metric: 700,
  table: 254,
  protocol: 'static',
  scope: family === 4 ? 'link' : 'universe',
  type: 'unicast',
  onlink: false,
  ...over,
});

async function start() {
  const nl = new FakeNetlink();
  nl.links = [link(7, 'wwan0', { mtu: 1430 }), link(2, 'eth0')];
  nl.addresses = [
    addr(7, '10.64.1.2', 32),
    addr(7, 'fe80::1234', 64, { scope: 253 }),
    addr(7, '2001:db8::2', 64),
    addr(2, '192.0.2.2', 24),
  ];
  nl.routes = [
    route(7, 4),
    route(7, 6, { gateway: 'fe80::1' }),
    route(7, 6, { dst: 'fe80::/64', protocol: 'kernel', metric: 256 }),
    route(7, 4, { dst: '10.64.1.2/32', table: 255, protocol: 'kernel', type: 'local' }),
    route(2, 4, { gateway: '192.0.2.1', protocol: 'static' }),
  ];
  let emit: (e: NetEvent) => void = () => undefined;
  let changes = 0;
  const obs = createNetObserver({
    netlink: nl,
    ifnames: ['wwan0'],
    resyncDelayMs: 1_000_000, // the confirming dump is not what these tests look at
    periodicResyncMs: 0,
    onChange: () => {
      changes++;
    },
    watch: (cb) => {
      emit = cb;
      return { close: () => undefined };
    },
  });
  await obs.start();
  return { nl, obs, emit: (e: NetEvent) => emit(e), changes: () => changes };
}

test('observed items: only the managed interface, no link-local addresses, no kernel or local routes', async () => {
  const { obs } = await start();
  const items = obs.items();
  assert.deepEqual(
    items.map((i) => `${i.type}:${i.name}`),
    [
      'net.link:wwan0',
      'net.address:wwan0/10.64.1.2/32',
      'net.address:wwan0/2001:db8::2/64',
      'net.route:wwan0/ipv4/default/table254',
      'net.route:wwan0/ipv6/default/table254',
    ],
  );
  assert.deepEqual(items[0]!.spec, { mtu: 1430, up: true });
  // Routes depend on the link and on the interface's address of their family, as built by interfaceItems.
  assert.deepEqual(
    items[3]!.deps.map((d) => d.ref.name),
    ['wwan0', 'wwan0/10.64.1.2/32'],
  );
  obs.close();
});

test('an address DEL is observed; the last IPv4 address going drops the IPv4 routes the kernel flushed', async () => {
  const { obs, emit, changes } = await start();
  const before = changes();
  emit({ kind: 'address', op: 'del', address: addr(7, '10.64.1.2', 32) });
  const names = obs.items().map((i) => i.name);
  assert.ok(!names.includes('wwan0/10.64.1.2/32'));
  assert.ok(
    !names.includes('wwan0/ipv4/default/table254'),
    'IPv4 route must be gone with the last IPv4 address',
  );
  assert.ok(names.includes('wwan0/ipv6/default/table254'), 'IPv6 route stays');
  assert.ok(changes() > before);
  assert.deepEqual(
    obs.events.map((e) => `${e.op} ${e.kind}`),
    ['del address'],
  );
  obs.close();
});

test('events of other interfaces change nothing observed and are not reported', async () => {
  const { obs, emit, changes } = await start();
  const before = obs.items();
  const n = changes();
  emit({ kind: 'address', op: 'del', address: addr(2, '192.0.2.2', 24) });
  emit({ kind: 'link', op: 'new', link: link(2, 'eth0', { mtu: 9000 }) });
  assert.deepEqual(obs.items(), before);
  assert.equal(changes(), n);
  assert.equal(obs.events.length, 0);
  obs.close();
});

test('link down drops routes and IPv6 addresses; a NEW route or address event is added back', async () => {
  const { obs, emit } = await start();
  emit({ kind: 'link', op: 'new', link: link(7, 'wwan0', { mtu: 1430, up: false }) });
  assert.deepEqual(
    obs.items().map((i) => i.name),
    ['wwan0', 'wwan0/10.64.1.2/32'],
  );
  assert.deepEqual(obs.items()[0]!.spec, { mtu: 1430, up: false });
  emit({ kind: 'route', op: 'new', route: route(7, 4, { metric: 50 }) });
  const r = obs.items().find((i) => i.type === 'net.route');
  assert.ok(r);
  assert.equal((r.spec as { metric: number }).metric, 50);
  obs.close();
});

test('DNS files of managed interfaces are observed when a directory is given', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'obs-dns-'));
  try {
    await writeInterfaceDns(dir, 'wwan0', ['10.0.0.53']);
    await writeInterfaceDns(dir, 'eth0', ['192.0.2.53']);
    const nl = new FakeNetlink();
    nl.links = [link(7, 'wwan0'), link(2, 'eth0')];
    const obs = createNetObserver({
      netlink: nl,
      ifnames: ['wwan0'],
      resolvDir: dir,
      periodicResyncMs: 0,
      watch: () => ({ close: () => undefined }),
    });
    await obs.start();
    assert.deepEqual(
      obs.items().map((i) => [i.type, i.name, i.spec]),
      [
        ['net.link', 'wwan0', { mtu: 1500, up: true }],
        ['net.dns', 'wwan0', { ifname: 'wwan0', servers: ['10.0.0.53'] }],
      ],
    );
    await removeInterfaceDns(dir, 'wwan0');
    assert.deepEqual(
      obs.items().map((i) => i.type),
      ['net.link'],
    );
    obs.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a link renamed or deleted makes the adapter forget its interface indexes', async () => {
  const { nl, obs, emit } = await start();
  emit({ kind: 'link', op: 'new', link: link(7, 'wwan0', { mtu: 1400 }) });
  assert.equal(nl.forgotten, 0, 'an MTU change is not a rename');
  emit({ kind: 'link', op: 'new', link: link(7, 'wwan9') });
  assert.equal(nl.forgotten, 1);
  emit({ kind: 'link', op: 'del', link: link(2, 'eth0') });
  assert.equal(nl.forgotten, 2);
  obs.close();
});

test('the event history is bounded', async () => {
  const { obs, emit } = await start();
  for (let i = 0; i < OBSERVER_EVENT_HISTORY + 50; i++) {
    emit({ kind: 'route', op: 'new', route: route(7, 4, { metric: i }) });
  }
  assert.equal(obs.events.length, OBSERVER_EVENT_HISTORY);
  const last = obs.events.at(-1);
  assert.ok(last?.kind === 'route' && last.route.metric === OBSERVER_EVENT_HISTORY + 49);
  obs.close();
});

test('an undecodable message makes the observer dump again', async () => {
  const nl = new FakeNetlink();
  nl.links = [link(7, 'wwan0')];
  let invalid: (err: unknown) => void = () => undefined;
  const obs = createNetObserver({
    netlink: nl,
    ifnames: ['wwan0'],
    resyncDelayMs: 1,
    periodicResyncMs: 0,
    watch: (_cb, inv) => {
      invalid = inv;
      return { close: () => undefined };
    },
  });
  await obs.start();
  const dumps = () => nl.ops().filter((o) => o === 'listLinks').length;
  assert.equal(dumps(), 1);
  invalid(new Error('bad message'));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(dumps(), 2);
  obs.close();
});

test('resync replaces the state with a fresh dump', async () => {
  const { nl, obs } = await start();
  nl.addresses = [];
  nl.routes = [];
  await obs.resync();
  assert.deepEqual(
    obs.items().map((i) => i.name),
    ['wwan0'],
  );
  obs.close();
});

test('a dump that events raced is not adopted: it may be older than they are (a deleted address would come back)', async () => {
  const { nl, obs, emit } = await start();
  // The kernel answers the dump with the address still there, then deletes it; the event comes
  // in while the dump's reply is being read.
  const dump = obs.resync();
  nl.addresses = nl.addresses.filter((a) => a.address !== '10.64.1.2');
  emit({ kind: 'address', op: 'del', address: addr(7, '10.64.1.2', 32) });
  await dump;
  const names = () => obs.items().map((i) => i.name);
  assert.ok(!names().includes('wwan0/10.64.1.2/32'), 'the deleted address stays deleted');
  // A dump nothing raced is taken as it is.
  nl.addresses = [...nl.addresses, addr(7, '10.64.1.9', 32)];
  await obs.resync();
  assert.ok(names().includes('wwan0/10.64.1.9/32'));
  assert.ok(!names().includes('wwan0/10.64.1.2/32'));
  obs.close();
});
