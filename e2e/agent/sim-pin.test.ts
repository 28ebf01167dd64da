/**
 * SIM PIN end to end (`mmagent run`, simulator, netns): a wrong PIN is sent once and never again; a
 * right one after a config change is sent once and the modem connects; a SIM with one try left gets
 * nothing, and the status says why. SendPin calls are counted on the bus (the simulator's recorder).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { skipUnless } from '../harness/require.js';
import { cfgOf, modemA, modemB, needs, net, network, online, withAgentWorld } from './world.js';

const withPin = (label: string, ifname: string, pin: string) =>
  network(label, ifname, { AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4v6', PIN: pin } });

describe('SIM PIN (simulator + netns)', () => {
  test('wrong PIN: sent once, never again; the right one after a config change: sent once, unlocked, connected; one try left: nothing sent', async (t) => {
    if (skipUnless(t, needs)) return;
    const a = modemA();
    const b = modemB();
    const modems = [
      { ...a, sim: { ...a.sim!, pin: '1234' } },
      { ...b, sim: { ...b.sim!, pin: '4321', pinRetries: 1 } },
    ];
    const config = cfgOf(withPin('modem-a', 'wwan0', '0000'), withPin('modem-b', 'wwan1', '4321'));
    await withAgentWorld({ modems, config }, async (w) => {
      const sendPins = () => w.sim.recorder.calls({ member: 'SendPin' }).map((c) => c.args[0]);
      let st = await w.waitStatus(
        (s) => /rejected this PIN/.test(net(s, 'modem-a')?.ConfigError ?? ''),
        'modem-a: the wrong PIN rejected',
      );
      assert.match(net(st, 'modem-a')!.ConfigError, /2 PIN tries left/);
      assert.match(net(st, 'modem-b')!.ConfigError, /1 PIN try left.*not sent with fewer than 2 tries left/);
      await w.settle(1500);
      assert.deepEqual(sendPins(), ['0000'], 'the wrong PIN once; nothing to modem-b');

      // The agent keeps running, radios and retries go on: still never sent again.
      await w.writeConfig(
        cfgOf(
          network('modem-a', 'wwan0', {
            RouteMetric: 6000,
            AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4v6', PIN: '0000' },
          }),
          withPin('modem-b', 'wwan1', '4321'),
        ),
      );
      await w.settle(1500);
      assert.deepEqual(sendPins(), ['0000'], 'the same wrong PIN in a changed config: not sent again');

      await w.writeConfig(cfgOf(withPin('modem-a', 'wwan0', '1234'), withPin('modem-b', 'wwan1', '4321')));
      st = await w.waitStatus(online('modem-a'), 'modem-a unlocked and online', 30_000);
      assert.deepEqual(sendPins(), ['0000', '1234']);
      assert.notEqual(net(st, 'modem-b')!.Module.OpMode, 'online-and-connected');
      // The PIN is a secret: never in the log or the status.
      assert.ok(!JSON.stringify(w.logs).includes('"1234"') && !JSON.stringify(w.logs).includes('"0000"'));
      assert.ok(!JSON.stringify(st).includes('"1234"'));
    });
  });
});
