/**
 * The network layer against the real kernel: each scenario runs in a fresh network namespace with
 * tun devices wwan0, wwan1 (carrier up) and eth0 (configured as another uplink). The scenario runs in
 * a child process inside the namespace (see e2e/harness/netns.ts); afterwards this side checks, with
 * `ip -n`, that the interfaces the scenario does not manage are exactly as they were.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { withNetns } from '../../src/sandbox/netns.js';
import { skipUnless } from '../harness/require.js';
import { snapshot } from './kernel.js';
import { scenarios } from './scenarios.js';

const SCRIPT = 'e2e/net/run-scenario.ts';

for (const name of Object.keys(scenarios)) {
  test(name, async (t) => {
    if (skipUnless(t, { root: true, commands: ['ip', 'python3'] })) return;
    await withNetns({ tuns: ['wwan0', 'wwan1', 'eth0'] }, async (ns) => {
      ns.ip(['link', 'set', 'eth0', 'up']);
      ns.ip(['addr', 'add', '192.0.2.2/24', 'dev', 'eth0']);
      ns.ip(['route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'eth0', 'metric', '100']);
      ns.ip(['link', 'set', 'wwan1', 'up', 'mtu', '1280']);
      ns.ip(['addr', 'add', '10.99.0.2/32', 'dev', 'wwan1']);
      const inNs = (args: readonly string[]) =>
        execFileSync('ip', ['-n', ns.name, ...args], { encoding: 'utf8' });
      const others = ['eth0', 'wwan1'];
      const before = others.map((i) => snapshot(i, inNs));

      const r = await ns.runNode(SCRIPT, [name], { timeoutMs: 30_000 });
      assert.equal(
        r.code,
        0,
        `scenario failed (exit ${r.code}, signal ${r.signal}):\n${r.stderr}${r.stdout}`,
      );
      t.diagnostic(r.stdout.trim());

      assert.deepEqual(
        others.map((i) => snapshot(i, inNs)),
        before,
        'interfaces other than wwan0 are untouched',
      );
    });
  });
}
