import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editGraph, getNode, graphOf } from '../../reconciler/graph.js';
import { item } from '../../reconciler/item.js';
import { interfaceItems, linkItem, syncObservedNetItems } from '../../src/netitems/index.js';

test('observed items are put as observations; vanished items of managed interfaces are removed', () => {
  const wwan0 = interfaceItems({
    ifname: 'wwan0',
    mtu: 1500,
    ipv4: { address: '10.0.0.2', prefixLength: 30, gateway: '10.0.0.1' },
    dns: ['10.0.0.53'],
    metric: 10,
  });
  const wwan1 = interfaceItems({
    ifname: 'wwan1',
    mtu: 1500,
    ipv4: { address: '10.1.0.2', prefixLength: 32 },
    metric: 20,
  });
  const bearer = item({ type: 'bearer', name: 'modem1', spec: { apn: 'internet' } });
  const current = graphOf('net', [...wwan0, ...wwan1, bearer]);

  // The kernel lost wwan0's address and route (outside deletion); the link MTU changed outside.
  const observed = [linkItem('wwan0', { mtu: 1400, up: true })];
  const next = editGraph(current, (e) =>
    syncObservedNetItems(
      e,
      [...current.nodes.values()].map((n) => n.item),
      observed,
      { ifnames: ['wwan0'] },
    ),
  );
  const keys = [...next.nodes.keys()].sort();
  assert.deepEqual(
    keys,
    [
      'bearer/modem1',
      'net.dns/wwan0', // DNS not observed in this scope: left alone
      'net.link/wwan0',
      'net.link/wwan1',
      'net.address/wwan1/10.1.0.2/32',
      'net.route/wwan1/ipv4/default/table254',
    ].sort(),
  );
  const link = getNode(next, { type: 'net.link', name: 'wwan0' });
  assert.equal(link?.observed, true);
  assert.deepEqual(link?.item.spec, { mtu: 1400, up: true });
  assert.equal(getNode(next, { type: 'net.link', name: 'wwan1' })?.observed, false);

  // With DNS in scope, a DNS file that is gone removes the DNS item too.
  const withDns = editGraph(current, (e) =>
    syncObservedNetItems(
      e,
      [...current.nodes.values()].map((n) => n.item),
      observed,
      {
        ifnames: ['wwan0'],
        dns: true,
      },
    ),
  );
  assert.equal(getNode(withDns, { type: 'net.dns', name: 'wwan0' }), undefined);
});
