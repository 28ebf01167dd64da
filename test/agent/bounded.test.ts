/**
 * What the agent keeps in memory stays bounded however long it runs: 10,000 address changes from
 * ModemManager (each one a new address item and the old one's removal) leave its expectations at the
 * few that are still inside their grace window.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IFACE } from '../../src/modemmanager/types.js';
import { FakeNetlink, link } from '../net/fake-netlink.js';
import { flush } from '../reconciler/harness.js';
import { agentWorld, BEARER0, configAB } from './harness.js';

const CHANGES = Number(process.env.AGENT_BOUNDED_CHANGES ?? 10_000);

test(`the agent's expectations stay bounded over ${CHANGES} address changes`, async (t) => {
  const nl = new FakeNetlink();
  nl.links = [link(5, 'wwan0', { up: false })];
  const w = agentWorld({ netlink: nl, expectationGraceMs: 15_000 });
  t.after(() => w.close());
  w.setConfig(configAB(false));
  await w.settle();
  await w.clock.advance(100);
  let maxSize = 0;
  for (let i = 0; i < CHANGES; i++) {
    w.mm.edit((t) => {
      const b = t.objects[BEARER0]![IFACE.bearer] as { Ip4Config?: { address?: string; prefix?: number } };
      b.Ip4Config!.address = `10.64.${Math.floor(i / 250) % 250}.${(i % 250) + 2}`;
      b.Ip4Config!.prefix = 16;
    });
    await flush();
    await w.agent.controller.idle();
    await w.clock.advance(1000);
    maxSize = Math.max(maxSize, w.agent.pendingExpectations);
  }
  const last = `10.64.${Math.floor((CHANGES - 1) / 250) % 250}.${((CHANGES - 1) % 250) + 2}`;
  const added = nl.calls
    .filter((c) => c.op === 'addAddress')
    .map((c) => (c.args[1] as { address: string }).address);
  assert.ok(added.length >= CHANGES / 2, `the changes were applied (${added.length} address adds)`);
  // What the agent wants follows ModemManager to the last change (whether the kernel step has run yet
  // depends on the fake kernel, which never shows an address, and so on the flap damping).
  const wanted = [...w.agent.controller.state().desired.nodes.keys()].filter((k) =>
    k.startsWith('net.address/'),
  );
  assert.ok(
    wanted.some((k) => k.includes(`/${last}/`)),
    `the agent still follows ModemManager after all of them: ${wanted.join(', ')}`,
  );
  // 15 s of grace at one change a second: about 15 changes' worth (create + delete each) at most.
  assert.ok(maxSize <= 40, `at most ${maxSize} expectations held at once`);
});
