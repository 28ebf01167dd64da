/**
 * Staying online, end to end (`mmagent run --pubsub`, simulator, netns; EVE's side by peer.py): a
 * visible-provider scan of minutes on one modem holds nothing back, a bearer drop on the other modem
 * during it is reconnected in milliseconds (measured on the bus: drop → Connect).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { skipUnless } from '../harness/require.js';
import { cfgOf, modemA, modemB, needs, network, online, withAgentWorld } from './world.js';

const scanning = {
  GlobalSettings: {
    'wwan.query.visible.providers': { Key: 'wwan.query.visible.providers', ItemType: 2, BoolValue: true },
  },
};

describe('staying online (simulator + netns)', () => {
  test("a 90 s scan on modem A: modem B's bearer drop is reconnected within 50 ms", async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(
      network('modem-a', 'wwan0'),
      network('modem-b', 'wwan1', {
        RouteMetric: 5001,
        AccessPoint: { Activated: true, APN: 'iot', IPType: 'ipv4' },
      }),
    );
    const a = modemA({
      scanResults: [
        { operatorCode: '00101', operatorLong: 'SimNet', status: 'current', accessTechnology: 'lte' },
      ],
    });
    await withAgentWorld({ modems: [a, modemB()], config, pubsub: { globalConfig: scanning } }, async (w) => {
      w.sim.setTiming({ scan: 90_000 });
      await w.waitStatus((s) => online('modem-a')(s) && online('modem-b')(s), 'both online');
      const scans = () => w.sim.recorder.calls({ member: 'Scan' });
      const end = Date.now() + 10_000;
      while (!scans().some((c) => c.path === w.sim.pathOf('A'))) {
        assert.ok(Date.now() < end, 'a scan of modem A started');
        await new Promise((r) => setTimeout(r, 5));
      }
      const startedAt = scans().find((c) => c.path === w.sim.pathOf('A'))!.time;
      await new Promise((r) => setTimeout(r, 500));
      // A's scan runs (90 s); B's bearer drops, three times (the flap damping repairs the first three
      // at once), each as soon as B is connected again.
      const latencies: number[] = [];
      for (let drop = 0; drop < 3; drop++) {
        let mark = w.sim.recorder.mark();
        let droppedAt = Date.now();
        while (w.sim.dropBearer('B').length === 0) {
          assert.ok(Date.now() - droppedAt < 10_000, 'B connected again before the next drop');
          await new Promise((r) => setTimeout(r, 1));
          mark = w.sim.recorder.mark();
          droppedAt = Date.now();
        }
        let connectAt = 0;
        while (connectAt === 0) {
          const c = w.sim.recorder
            .stateChangingCalls({ since: mark })
            .find((x) => x.member === 'Connect' && x.path.startsWith(w.sim.pathOf('B')));
          if (c) connectAt = c.time;
          else {
            assert.ok(Date.now() - droppedAt < 10_000, 'B reconnected');
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        latencies.push(connectAt - droppedAt);
      }
      // The best of three: CI runs test files side by side on few cores, and one slow scheduling of the
      // test process is not the agent's latency.
      const best = Math.min(...latencies);
      t.diagnostic(`B: drop -> Connect in ${latencies.join(', ')} ms (best ${best}), during A's scan`);
      assert.ok(best < 50, `B reconnected in ${latencies.join(', ')} ms`);
      assert.ok(Date.now() - startedAt < 90_000, "still within A's scan");
    });
  });
});

const intItem = (key: string, v: number) => ({ Key: key, ItemType: 1, IntValue: v });

describe('connectivity probe and repair ladder (simulator + netns)', () => {
  test('traffic blackholed while the bearer stays up: each failed probe climbs the ladder (reconnect, disable/enable, reset), probes leave through wwan0', async (t) => {
    if (skipUnless(t, needs)) return;
    // The tun device's holder discards every packet: a modem whose bearer is up but passes nothing.
    const globalConfig = {
      GlobalSettings: {
        'wwan.probe.interval': intItem('wwan.probe.interval', 10),
        'wwan.probe.timeout': intItem('wwan.probe.timeout', 1),
        'wwan.probe.threshold': intItem('wwan.probe.threshold', 1),
        'wwan.probe.reconnect.cooldown': intItem('wwan.probe.reconnect.cooldown', 0),
        'wwan.probe.reenable.cooldown': intItem('wwan.probe.reenable.cooldown', 0),
      },
    };
    const config = cfgOf(network('modem-a', 'wwan0'));
    await withAgentWorld({ modems: [modemA()], config, pubsub: { globalConfig } }, async (w) => {
      await w.waitStatus(online('modem-a'), 'modem-a online');
      const txPackets = () =>
        w.ns.ipJson<{ stats64: { tx: { packets: number } } }[]>(['-s', 'link', 'show', 'dev', 'wwan0'])[0]
          ?.stats64.tx.packets ?? 0;
      const tx0 = txPackets();
      const changing = (member: string) =>
        w.sim.recorder.stateChangingCalls({ path: w.sim.pathOf('A') }).filter((c) => c.member === member);
      const waitFor = async (what: string, cond: () => boolean, timeoutMs = 30_000) => {
        const end = Date.now() + timeoutMs;
        while (!cond()) {
          assert.ok(Date.now() < end, `timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const failedAt = () =>
        w.logs.filter((l) => l.msg === 'connectivity probe failed').map((l) => Date.parse(String(l.time)));
      await waitFor('the first failed probe and a reconnect', () => changing('Disconnect').length === 1);
      const disconnect = changing('Disconnect')[0]!;
      t.diagnostic(`probe failure logged -> Disconnect on the bus: ${disconnect.time - failedAt()[0]!} ms`);
      const st = await w.waitStatus(
        (s) => /no ping response received from 8\.8\.8\.8/.test(s.Networks?.[0]?.ProbeError ?? ''),
        'ProbeError in EVE words',
      );
      assert.match(st.Networks![0]!.ProbeError, /1 failures in a row: reconnect/);
      await waitFor('a reconnect by the connection item', () => changing('Connect').length >= 2);
      assert.ok(txPackets() > tx0, 'probe packets left through wwan0');
      await waitFor('disable/enable', () =>
        changing('Enable').some((c) => c.args[0] === false && c.time > disconnect.time),
      );
      await waitFor('reset', () => changing('Reset').length === 1);
      assert.equal(changing('Disconnect').length, 1, 'one reconnect before the next steps');

      // Probing switched off after the ladder ran: the last step is not planned and run again. The
      // desired graph once kept the step while the probe state dropped it (the demo hit it as a normal
      // user); whether a plan falls in that window depends on timing, so this guards, not reproduces.
      await w.settle();
      const before = w.sim.recorder.stateChangingCalls({ path: w.sim.pathOf('A') }).length;
      const logsBefore = w.logs.length;
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { Probe: { Disable: true } })));
      await w.waitStatus(online('modem-a'), 'modem-a online with probing off');
      await w.settle();
      const again = w.sim.recorder.stateChangingCalls({ path: w.sim.pathOf('A') }).slice(before);
      assert.deepEqual(
        again.map((c) => c.member),
        [],
        'no ModemManager call when probing is switched off',
      );
      const replanned = w.logs.slice(logsBefore).filter((l) => JSON.stringify(l).includes('mm.repair'));
      assert.ok(
        !replanned.some((l) => /"op":"create"|create mm\.repair/.test(JSON.stringify(l))),
        JSON.stringify(replanned).slice(0, 400),
      );
    });
  });
});
