/**
 * `mmagent run --pubsub` end to end, as EVE's wwan service: EVE's side is played by peer.py (a
 * Python SEQPACKET peer written from the protocol description: nim's WwanConfig, zedagent's global
 * config and controller certificate, and a subscriber reading WwanStatus), the modems by the
 * simulator, the kernel by a network namespace.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { until } from '../../test/pubsub/helpers.js';
import { skipUnless } from '../harness/require.js';
import { cfgOf, modemA, needs, net, network, online, withAgentWorld } from './world.js';

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('mmagent run --pubsub (simulator + netns + Python pubsub peers)', () => {
  test('WwanConfig over pubsub: online, status read back with EVE names; a change costs what it costs in file mode; a publisher restart costs nothing', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(network('modem-a', 'wwan0'));
    await withAgentWorld({ modems: [modemA()], config, pubsub: {} }, async (w) => {
      const eve = w.eve!;
      const st = await w.waitStatus(
        (s) => online('modem-a')(s) && net(s, 'modem-a')?.ConfigError === '',
        'modem-a online (read by the Python subscriber)',
      );
      const a = net(st, 'modem-a')!;
      // EVE's field names and types, as its Go subscribers decode them.
      assert.equal(a.IPSettings.Address?.IP, '10.64.64.10');
      assert.equal(a.ConfigError, '');
      assert.equal(st.DPCKey, config.DPCKey);
      assert.equal(st.DPCTimestamp, '2026-11-24T10:00:00.123456789Z', 'echoed to the nanosecond');
      assert.deepEqual(Object.keys(st), ['DPCKey', 'DPCTimestamp', 'RSConfigTimestamp', 'Networks']);
      await w.settle();
      // The checkpoint EVE's debug tools read holds what the subscriber got.
      const wwan = join(eve.runDir, 'wwan');
      assert.deepEqual(
        await readJson(join(wwan, 'WwanStatus', 'global.json')),
        eve.statusReader?.latest('global'),
      );
      assert.ok(Array.isArray((await readJson(join(wwan, 'WwanMetrics', 'global.json'))).Networks));
      // EVE's files: pid, watchdog touch, the DOT graphs.
      const pid = w.logs.find((l) => typeof l.pid === 'number')?.pid;
      assert.equal(await readFile(join(eve.runDir, 'wwan.pid'), 'utf8'), String(pid));
      assert.ok((await stat(join(eve.runDir, 'wwan.touch'))).mtimeMs > 0);
      assert.match(await readFile(join(eve.runDir, 'wwan-intended-state.dot'), 'utf8'), /mm\.connection/);
      assert.match(await readFile(join(eve.runDir, 'wwan-current-state.dot'), 'utf8'), /net\.route/);

      // A route metric change over pubsub: kernel changes only, no ModemManager call (as in file mode).
      let mark = w.sim.recorder.mark();
      let from = w.logs.length;
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { RouteMetric: 7000 })));
      await until(
        () => w.logs.slice(from).some((l) => l.msg === 'config accepted'),
        'config accepted',
        10_000,
      );
      await w.settle();
      assert.equal(w.sim.recorder.countStateChanging({ since: mark }), 0, 'no ModemManager call');
      assert.ok(w.netlinkRequestsSince(from) > 0, 'the route was changed');

      // nim dies and comes back with the same config: the subscriber resyncs; nothing is done.
      mark = w.sim.recorder.mark();
      from = w.logs.length;
      await eve.kill('nim', 'WwanConfig');
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { RouteMetric: 7000 })));
      await until(
        () => w.logs.slice(from).some((l) => l.msg === 'pubsub connected' && l.topic === 'WwanConfig'),
        'the agent resubscribed to WwanConfig',
        20_000,
      );
      await w.settle();
      assert.equal(
        w.sim.recorder.countStateChanging({ since: mark }),
        0,
        'no ModemManager call after the resync',
      );
      assert.equal(w.netlinkRequestsSince(from), 0, 'no kernel change after the resync');
      assert.ok(
        !w.logs.slice(from).some((l) => l.msg === 'config accepted'),
        'the same config is not applied again',
      );
    });
  });
});
