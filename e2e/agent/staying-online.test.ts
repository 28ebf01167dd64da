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
      // A's scan runs (90 s); B's bearer drops now.
      const mark = w.sim.recorder.mark();
      const droppedAt = Date.now();
      assert.ok(w.sim.dropBearer('B').length > 0, "B's bearer dropped");
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
      t.diagnostic(
        `B: drop -> Connect in ${connectAt - droppedAt} ms, ${droppedAt - startedAt} ms into A's scan`,
      );
      assert.ok(connectAt - droppedAt < 50, `B reconnected in ${connectAt - droppedAt} ms`);
      assert.ok(Date.now() - startedAt < 90_000, "still within A's scan");
    });
  });
});
