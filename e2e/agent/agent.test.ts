/**
 * The agent end to end: `mmagent run` in a network namespace with tun wwan0/wwan1, against the
 * ModemManager simulator on a private bus. Counts what each kind of change costs: ModemManager calls
 * that change something (the simulator's recorder) and netlink requests (the agent's log).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { validateAgainst } from '../../src/schemas/validate.js';
import { skipUnless } from '../harness/require.js';
import {
  cfgOf,
  inForce,
  kernel,
  kernelEventually,
  modemA,
  modemB,
  needs,
  net,
  network,
  online,
  withAgentWorld,
} from './world.js';

describe('mmagent run (simulator + netns)', () => {
  test('first connect: dual stack on wwan0; identical config again costs nothing; MTU and metric changes cost one change each', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(network('modem-a', 'wwan0'));
    await withAgentWorld({ modems: [modemA()], config }, async (w) => {
      const st = await w.waitStatus(inForce('modem-a'), 'modem-a online, everything in force');
      const a = net(st, 'modem-a')!;
      assert.equal(a.IPSettings.Address?.IP, '10.64.64.10');
      assert.equal(a.ConfigError, '');
      assert.equal(st.DPCTimestamp, '2026-11-24T10:00:00.123456789Z', 'echoed verbatim (nanoseconds kept)');
      const k = await kernelEventually(w, 'wwan0', (x) => x.routes.length === 2 && x.addrs.length === 2);
      assert.deepEqual(k.addrs, ['10.64.64.10/30', '2001:db8:1::2/64']);
      assert.deepEqual(k.routes, [
        'default via 10.64.64.9 metric 5000',
        'default via 2001:db8:1::1 metric 5000',
      ]);
      assert.equal(k.mtu, 1500);
      assert.equal(k.up, true);
      await w.settle();
      // How long from the config to a configured interface, by the agent's own clock (its log).
      const at = (pred: (l: (typeof w.logs)[number]) => boolean) => {
        const l = w.logs.find(pred);
        return l && typeof l.time === 'string' ? Date.parse(l.time) : Number.NaN;
      };
      const accepted = at((l) => l.msg === 'config accepted');
      const routed = at(
        (l) => l.msg === 'reconciled' && JSON.stringify(l.steps ?? '').includes('create net.route'),
      );
      t.diagnostic(`config accepted -> modem connected and wwan0 configured: ${routed - accepted} ms`);
      // The graph files for people debugging: valid against their schema, every item in sync.
      const graph = JSON.parse(await readFile(join(w.statusDir, 'wwan-graph.json'), 'utf8'));
      const valid = validateAgainst('graph-export.schema.json', graph);
      assert.ok(valid.ok, valid.ok ? '' : JSON.stringify(valid.errors));
      const states = new Set(
        (graph.items as { state: string; external: boolean }[])
          .filter((i) => !i.external)
          .map((i) => i.state),
      );
      assert.deepEqual([...states], ['in-sync']);
      assert.match(await readFile(join(w.statusDir, 'wwan-graph.dot'), 'utf8'), /^digraph "wwan" \{/);

      // The same config, republished with a new DPC timestamp: zero ModemManager calls, zero netlink.
      let mark = w.sim.recorder.mark();
      let logMark = w.logs.length;
      await w.writeConfig({ ...config, DPCTimestamp: '2026-11-24T11:00:00Z' });
      await w.waitStatus((s) => s.DPCTimestamp === '2026-11-24T11:00:00Z', 'the new timestamp echoed');
      await w.settle();
      assert.equal(w.sim.recorder.countStateChanging({ since: mark }), 0, 'no ModemManager call');
      assert.equal(w.netlinkRequestsSince(logMark), 0, 'no netlink request');

      // MTU only: one netlink request, no ModemManager call, addresses untouched.
      mark = w.sim.recorder.mark();
      logMark = w.logs.length;
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { MTU: 1400 })));
      await kernelEventually(w, 'wwan0', (x) => x.mtu === 1400);
      await w.settle();
      assert.equal(kernel(w, 'wwan0').mtu, 1400);
      assert.equal(w.sim.recorder.countStateChanging({ since: mark }), 0);
      assert.equal(w.netlinkRequestsSince(logMark), 1, 'one setLink');
      assert.deepEqual(kernel(w, 'wwan0').addrs, ['10.64.64.10/30', '2001:db8:1::2/64']);

      // Metric only: both default routes replaced (add new, delete old), nothing else.
      mark = w.sim.recorder.mark();
      logMark = w.logs.length;
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { MTU: 1400, RouteMetric: 6000 })));
      const k2 = await kernelEventually(w, 'wwan0', (x) => x.routes.every((r) => r.endsWith('metric 6000')));
      await w.settle();
      assert.deepEqual(k2.routes, [
        'default via 10.64.64.9 metric 6000',
        'default via 2001:db8:1::1 metric 6000',
      ]);
      assert.equal(w.sim.recorder.countStateChanging({ since: mark }), 0);
      assert.equal(w.netlinkRequestsSince(logMark), 4, 'two routes, each added and the old one deleted');

      // SIGTERM: a clean stop, exit 0, the last line says so, the status file is whole JSON.
      assert.equal(await w.terminate(), 0);
      assert.equal(w.logs.at(-1)?.msg, 'stopped');
      assert.ok(await w.readStatus(), 'the status file parses');
    });
  });
});

describe('mmagent run: two modems, hotplug, bad input', () => {
  test('two modems: an APN change reconnects A and makes no call to B; an unconfigured modem is kept radio-off', async (t) => {
    if (skipUnless(t, needs)) return;
    const c = modemA({
      id: 'C',
      imei: '490154203237534',
      device: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2',
      ports: [
        { name: 'cdc-wdm1', type: 'qmi' },
        { name: 'wwan2', type: 'net' },
      ],
      primaryPort: 'cdc-wdm1',
      bearer: { interface: 'wwan2', ipv4: { address: '10.1.1.2', prefix: 30, gateway: '10.1.1.1' } },
    });
    const config = cfgOf(
      network('modem-a', 'wwan0'),
      network('modem-b', 'wwan1', {
        RouteMetric: 5001,
        AccessPoint: { Activated: true, APN: 'iot', IPType: 'ipv4' },
      }),
    );
    await withAgentWorld({ modems: [modemA(), modemB(), c], config }, async (w) => {
      const st = await w.waitStatus(
        (s) => online('modem-a')(s) && online('modem-b')(s),
        'both modems online',
      );
      const b = net(st, 'modem-b')!;
      assert.equal(b.IPSettings.Address?.IP, '10.99.0.7');
      // B's /32 bearer has no gateway: a device route.
      const kb = await kernelEventually(w, 'wwan1', (x) => x.routes.length === 1);
      assert.deepEqual(kb.addrs, ['10.99.0.7/32']);
      assert.deepEqual(kb.routes, ['default metric 5001']);
      // The unconfigured modem C: reported unmanaged, radio off.
      const unmanaged = await w.waitStatus(
        (s) => (s.Networks ?? []).some((n) => n.LogicalLabel === '' && n.Module.OpMode === 'radio-off'),
        'the unconfigured modem radio-off',
      );
      assert.equal((unmanaged.Networks ?? []).filter((n) => n.LogicalLabel === '').length, 1);
      await w.settle();

      const mark = w.sim.recorder.mark();
      const pathB = w.sim.pathOf('B');
      const pathA = w.sim.pathOf('A');
      await w.writeConfig(
        cfgOf(
          network('modem-a', 'wwan0', {
            AccessPoint: { Activated: true, APN: 'internet.v2', IPType: 'ipv4v6' },
          }),
          network('modem-b', 'wwan1', {
            RouteMetric: 5001,
            AccessPoint: { Activated: true, APN: 'iot', IPType: 'ipv4' },
          }),
        ),
      );
      await w.waitStatus(
        (s) => (net(s, 'modem-a')?.Bearers ?? []).some((x) => x.APN === 'internet.v2' && x.Connected),
        'modem-a reconnected with the new APN',
      );
      await w.settle();
      const changed = w.sim.recorder.stateChangingCalls({ since: mark });
      assert.deepEqual(
        changed.filter((x) => x.path.startsWith(pathB)),
        [],
        'no call to modem B',
      );
      assert.deepEqual(
        changed.filter((x) => x.path === pathA).map((x) => x.member),
        ['Disconnect', 'DeleteBearer', 'Connect'],
      );
      const ka = await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2 && x.routes.length === 2);
      assert.deepEqual(
        ka.addrs,
        ['10.64.64.10/30', '2001:db8:1::2/64'],
        'addresses back after the reconnect',
      );
    });
  });

  test('unplug: status says "modem not found"; replug under a new path: connected and configured again', async (t) => {
    if (skipUnless(t, needs)) return;
    await withAgentWorld({ modems: [modemA()], config: cfgOf(network('modem-a', 'wwan0')) }, async (w) => {
      await w.waitStatus(online('modem-a'), 'modem-a online');
      await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2);
      const before = w.sim.pathOf('A');
      w.sim.unplug('A');
      const gone = await w.waitStatus(
        (s) => net(s, 'modem-a')?.ConfigError === 'modem not found',
        'modem not found',
      );
      assert.equal(net(gone, 'modem-a')?.Module.OpMode, '');
      const after = w.sim.replug('A');
      assert.notEqual(after, before);
      await w.waitStatus(online('modem-a'), 'modem-a online again');
      const k = await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2 && x.routes.length === 2);
      assert.deepEqual(k.addrs, ['10.64.64.10/30', '2001:db8:1::2/64']);
    });
  });

  test('an invalid config is rejected with the field path; the last good config stays in force', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(network('modem-a', 'wwan0'));
    await withAgentWorld({ modems: [modemA()], config }, async (w) => {
      await w.waitStatus(online('modem-a'), 'modem-a online');
      await w.settle();
      const mark = w.sim.recorder.mark();
      const bad = structuredClone(config);
      (bad.Networks![0]!.AccessPoint as Record<string, unknown>).IPType = 'ipv5';
      await w.writeConfig(bad);
      const st = await w.waitStatus(
        (s) => (net(s, 'modem-a')?.ConfigError ?? '').includes('IPType'),
        'the error in the status',
      );
      assert.match(net(st, 'modem-a')!.ConfigError, /\/Networks\/0\/AccessPoint\/IPType/);
      assert.equal(net(st, 'modem-a')!.Module.OpMode, 'online-and-connected', 'still connected');
      await w.writeConfig('{ not json');
      await w.waitStatus(
        (s) => (net(s, 'modem-a')?.ConfigError ?? '').includes('JSON'),
        'the JSON error in the status',
      );
      await w.settle();
      assert.equal(w.sim.recorder.countStateChanging({ since: mark }), 0, 'bad input changes nothing');
      assert.ok(
        w.logs.some((l) => l.level === 50 && JSON.stringify(l).includes('IPType')),
        'the error is logged with the field',
      );
      await w.writeConfig(config);
      await w.waitStatus((s) => net(s, 'modem-a')?.ConfigError === '', 'error cleared by a good config');
    });
  });
});

describe('mmagent run: SIM slot, preferred RATs, attach APN, IPv6 only, secrets', () => {
  test('SIM slot 2, LTE preferred, an attach APN and IPv6 only are applied; the password appears nowhere', async (t) => {
    if (skipUnless(t, needs)) return;
    const password = 'pa55-w0rd-never-logged';
    const modem = modemA({
      simSlots: [
        {
          iccid: '89881100000000000001',
          imsi: '001010123456789',
          operatorId: '00101',
          operatorName: 'SimNet',
        },
        {
          iccid: '89881100000000000009',
          imsi: '001010000000009',
          operatorId: '00101',
          operatorName: 'SimNet',
        },
      ],
      primarySimSlot: 1,
      sim: undefined,
      initialEpsBearer: true,
      bearer: {
        interface: 'wwan0',
        ipv6: { address: '2001:db8:9::2', prefix: 64, gateway: '2001:db8:9::1' },
      },
    });
    const config = cfgOf(
      network('modem-a', 'wwan0', {
        AccessPoint: {
          Activated: true,
          SIMSlot: 2,
          APN: 'v6.example',
          IPType: 'ipv6',
          AuthProtocol: 'chap',
          CleartextCredentials: { Username: 'user', Password: password },
          PreferredRATs: ['lte'],
          AttachAPN: 'attach.example',
          AttachIPType: 'ipv6',
        },
      }),
    );
    await withAgentWorld({ modems: [modem], config }, async (w) => {
      const st = await w.waitStatus(online('modem-a'), 'modem-a online on slot 2', 30_000);
      const a = net(st, 'modem-a')!;
      assert.equal(a.IPSettings.Address?.IP, '2001:db8:9::2');
      assert.deepEqual(
        (a.SimCards ?? []).map((s) => [s.SlotNumber, s.SlotActivated]),
        [
          [1, false],
          [2, true],
        ],
      );
      const members = w.sim.recorder.stateChangingCalls().map((c) => c.member);
      for (const m of ['SetPrimarySimSlot', 'SetCurrentModes', 'SetInitialEpsBearerSettings', 'Connect']) {
        assert.ok(members.includes(m), `${m} was called (calls: ${members.join(', ')})`);
      }
      const connect = w.sim.recorder.calls({ member: 'Connect' }).at(-1);
      assert.ok(JSON.stringify(connect?.args).includes(password), 'the password reached ModemManager');
      const k = await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 1 && x.routes.length === 1);
      assert.deepEqual(k.addrs, ['2001:db8:9::2/64']);
      assert.deepEqual(k.routes, ['default via 2001:db8:9::1 metric 5000']);
      await w.settle();
      const everything = [
        JSON.stringify(w.logs),
        JSON.stringify(await w.readStatus()),
        ...(await Promise.all(
          // No location file: this modem has no GNSS fix, so there is none to write.
          ['WwanMetrics.json', 'wwan-graph.json', 'wwan-graph.dot'].map((f) =>
            // A missing file would make this scan pass vacuously: every one of them must exist.
            readFile(join(w.statusDir, f), 'utf8'),
          ),
        )),
      ].join('\n');
      assert.ok(!everything.includes(password), 'the password is in no log line and no output file');
    });
  });
});

describe('mmagent run: an interface that does not exist yet', () => {
  test('the network items wait (pending, with the reason in the status) until the interface appears', async (t) => {
    if (skipUnless(t, needs)) return;
    await withAgentWorld(
      { modems: [modemA()], config: cfgOf(network('modem-a', 'wwan0')), tuns: ['wwan1'] },
      async (w) => {
        const st = await w.waitStatus(
          (s) => (net(s, 'modem-a')?.ConfigError ?? '').includes('net.interface/wwan0'),
          'the missing interface in ConfigError',
        );
        assert.equal(
          net(st, 'modem-a')!.Module.OpMode,
          'online-and-connected',
          'the connection itself is up',
        );
        const failed = w.logs.filter((l) => JSON.stringify(l).includes('ENODEV'));
        assert.deepEqual(failed, [], 'nothing was tried on the missing interface');
        await w.ns.addTuns(['wwan0']);
        const k = await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2 && x.routes.length === 2);
        assert.deepEqual(k.addrs, ['10.64.64.10/30', '2001:db8:1::2/64']);
        await w.waitStatus((s) => net(s, 'modem-a')?.ConfigError === '', 'the error cleared');
      },
    );
  });
});

describe('mmagent run: recovery and radio silence', () => {
  test('a dropped bearer is reconnected within seconds; a ModemManager restart is survived; radio silence turns every radio off and back on', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(network('modem-a', 'wwan0'));
    await withAgentWorld({ modems: [modemA()], config }, async (w) => {
      await w.waitStatus(online('modem-a'), 'modem-a online');
      await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2);
      await w.settle();

      // The network drops the call: EVE's agent waited for its next 60 s tick when this came within
      // 30 s of an action; here the bearer signal triggers the reconnect at once.
      const dropAt = Date.now();
      const mark = w.sim.recorder.mark();
      w.sim.dropBearer('A');
      const end = Date.now() + 10_000;
      while (!w.sim.recorder.stateChangingCalls({ since: mark }).some((c) => c.member === 'Connect')) {
        assert.ok(Date.now() < end, 'no reconnect within 10 s of the drop');
        await new Promise((r) => setTimeout(r, 10));
      }
      const reconnectMs = Date.now() - dropAt;
      t.diagnostic(`Connect called again ${reconnectMs} ms after the bearer dropped`);
      await w.waitStatus(online('modem-a'), 'reconnected after the drop');
      await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2 && x.routes.length === 2);
      await w.settle();

      // ModemManager restarts: new process, modems re-probed (disabled); the agent resyncs and reconnects.
      await w.sim.restart({ downtimeMs: 200 });
      await w.waitStatus(online('modem-a'), 'online again after the ModemManager restart', 30_000);
      await w.settle();

      // Radio silence: the acknowledgement is the echoed RSConfigTimestamp with every modem radio-off.
      await w.writeConfig({ ...config, RadioSilence: true, RSConfigTimestamp: '2026-11-24T12:00:00Z' });
      const silent = await w.waitStatus(
        (s) =>
          s.RSConfigTimestamp === '2026-11-24T12:00:00Z' && net(s, 'modem-a')?.Module.OpMode === 'radio-off',
        'radio-off acknowledged',
      );
      assert.equal(net(silent, 'modem-a')?.IPSettings.Address, null);
      const k = await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 0);
      assert.deepEqual(k.addrs, [], 'addresses removed with the connection');
      await w.writeConfig({ ...config, RadioSilence: false, RSConfigTimestamp: '2026-11-24T12:05:00Z' });
      await w.waitStatus(online('modem-a'), 'back online after radio silence');
    });
  });
});
