/**
 * Connectivity probing and the repair ladder (src/agent/connectivity.ts) in the agent, on a manual
 * clock with a scripted prober: the schedule, EVE's target order, ProbeError, and the steps
 * (reconnect, disable/enable, reset) each after its threshold and cooldown; a success ends it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeTargets } from '../../src/agent/connectivity.js';
import { buildOutputs } from '../../src/agent/outputs.js';
import type { ProbeRunResult, ProbeTarget } from '../../src/probe/index.js';
import { agentWorld, configAB } from './harness.js';

const MIN = 60_000;

test("EVE's order: IP-literal proxies (TCP), the bearer's DNS servers, then the user probe or ICMP 8.8.8.8", () => {
  const t = probeTargets(
    {
      Proxies: [
        { server: '10.0.0.1', port: 3128 },
        { server: 'proxy.example', port: 3128 },
      ],
      Probe: { UserDefinedProbe: { Method: 2, ProbeHost: '192.0.2.1', ProbePort: 443 } },
    },
    ['10.11.12.13'],
  );
  assert.deepEqual(t, [
    { kind: 'tcp', host: '10.0.0.1', port: 3128 },
    { kind: 'dns', server: '10.11.12.13' },
    { kind: 'tcp', host: '192.0.2.1', port: 443 },
  ]);
  assert.deepEqual(probeTargets({}, []), [{ kind: 'icmp', host: '8.8.8.8' }]);
  assert.deepEqual(probeTargets({ Probe: { UserDefinedProbe: { Method: 1, ProbeHost: '9.9.9.9' } } }, []), [
    { kind: 'icmp', host: '9.9.9.9' },
  ]);
});

test('probe failures climb the ladder (reconnect, disable/enable, reset), each after its threshold and cooldown; a success ends it', async () => {
  let ok = false;
  const probed: { targets: readonly ProbeTarget[]; source: string; ifname: string; at: number }[] = [];
  const w = agentWorld({
    probe: async (targets, o): Promise<ProbeRunResult> => {
      probed.push({ targets, source: o.source, ifname: o.ifname, at: w.clock.now() });
      return ok
        ? { ok: true, results: [], error: '' }
        : { ok: false, results: [], error: 'no ping response received from 8.8.8.8' };
    },
  });
  w.agent.setConnectivitySettings({
    intervalMs: MIN,
    timeoutMs: 5_000,
    threshold: 2,
    cooldownMs: { reconnect: 2 * MIN, reenable: 2 * MIN, reset: 10 * MIN },
  });
  w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
  await w.settle();
  const calls = () => w.mm.log.filter((c) => ['disconnect', 'enable', 'reset'].includes(c.member));
  const status = () =>
    buildOutputs(w.agent.view()).status.Networks?.find((n) => n.LogicalLabel === 'modem-a');
  const tick = async (ms: number) => {
    await w.clock.advance(ms);
    await w.settle();
  };
  assert.equal(probed.length, 0, 'no probe before the first interval');
  await tick(MIN);
  assert.equal(probed.length, 1);
  assert.equal(probed[0]?.ifname, 'wwan0');
  assert.match(status()?.ProbeError ?? '', /^no ping response received from 8\.8\.8\.8$/);
  assert.deepEqual(calls(), [], 'one failure: below the threshold');
  await tick(MIN);
  assert.deepEqual(
    calls().map((c) => c.member),
    ['disconnect'],
    'two failures: reconnect (a disconnect; the reconciler connects)',
  );
  assert.ok(w.mm.count('connect') >= 1, 'connected again through the connection item');
  // Two more failures, but the reconnect's cooldown (2 min) has not passed at the first of them.
  await tick(MIN);
  await tick(MIN);
  assert.deepEqual(
    calls().map((c) => c.member),
    ['disconnect', 'enable'],
    'then disable/enable once the cooldown passed',
  );
  assert.equal(calls()[1]?.args[1], false);
  await tick(MIN);
  await tick(MIN);
  await tick(MIN);
  assert.equal(calls().filter((c) => c.member === 'reset').length, 1, 'then a reset');
  ok = true;
  await tick(MIN);
  assert.equal(status()?.ProbeError, '', 'a success clears the error');
  ok = false;
  const before = calls().length;
  await tick(MIN);
  await tick(MIN);
  assert.deepEqual(
    calls()
      .slice(before)
      .map((c) => c.member),
    ['disconnect'],
    'after a success the ladder starts again at reconnect',
  );
  await w.close();
});

test('Probe.Disable and radio silence: never probed', async () => {
  let probes = 0;
  const w = agentWorld({
    probe: async () => {
      probes++;
      return { ok: false, results: [], error: 'x' };
    },
  });
  w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' }, Probe: { Disable: true } }));
  await w.settle();
  await w.clock.advance(60 * MIN);
  w.setConfig({ ...configAB(false, { AccessPoint: { APN: 'internet' } }), RadioSilence: true });
  await w.settle();
  await w.clock.advance(60 * MIN);
  assert.equal(probes, 0);
  await w.close();
});
