/**
 * The agent against the real ModemManager 1.20 with the kit's simulated AT modem (e2e/harness/
 * real-mm.ts): connect with IPv4, wwan0 configured in a network namespace (a /32 without gateway: a
 * device route), then unplug (status: modem not found) and replug (connected and configured again).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { RealModemManager } from '../harness/real-mm.js';
import { skipUnless } from '../harness/require.js';
import { network, withAgentOn } from './world.js';

/** The kit's prerequisites (root for its mount namespace and netns). */
const REAL_MM_NEEDS = {
  root: true,
  commands: ['dbus-daemon', 'ModemManager', 'mmcli', 'unshare', 'python3', 'ip'],
} as const;

interface Addr {
  addr_info: { local: string; prefixlen: number }[];
}
interface Route {
  dst: string;
  metric?: number;
  gateway?: string;
}

test('mmagent run against the real ModemManager: IPv4 connect, wwan0 configured, unplug and replug', async (t) => {
  if (skipUnless(t, REAL_MM_NEEDS)) return;
  const mm = await RealModemManager.start({ mmLogLevel: 'INFO' });
  try {
    const config = {
      DPCKey: 'real-mm',
      DPCTimestamp: '2026-11-24T10:00:00Z',
      RSConfigTimestamp: '0001-01-01T00:00:00Z',
      Networks: [
        network('modem-1', 'wwan0', { AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4' } }),
      ],
    };
    await withAgentOn({ busAddress: mm.busAddress, config, tuns: ['wwan0'] }, async (w) => {
      const online = (s: {
        Networks?:
          | { LogicalLabel: string; Module: { OpMode: string }; IPSettings: { Address: unknown } }[]
          | null;
      }) =>
        (s.Networks ?? []).some(
          (n) =>
            n.LogicalLabel === 'modem-1' &&
            n.Module.OpMode === 'online-and-connected' &&
            n.IPSettings.Address,
        );
      const st = await w.waitStatus(online, 'modem-1 online on the real ModemManager', 60_000);
      const n = st.Networks!.find((x) => x.LogicalLabel === 'modem-1')!;
      assert.equal(n.IPSettings.Address?.IP, '10.64.64.10');
      assert.equal(
        n.PhysAddrs.Interface,
        'wwan0',
        'interface learned from ModemManager (the AT port has no usbmisc entry)',
      );
      const kernel = async () => {
        const end = Date.now() + 15_000;
        for (;;) {
          const addrs = w.ns
            .ipJson<Addr[]>(['addr', 'show', 'dev', 'wwan0'])
            .flatMap((a) => a.addr_info)
            .map((a) => `${a.local}/${a.prefixlen}`)
            .filter((a) => !a.startsWith('fe80'));
          const routes = w.ns
            .ipJson<Route[]>(['route', 'show', 'dev', 'wwan0'])
            .filter((r) => r.dst === 'default');
          if ((addrs.length > 0 && routes.length > 0) || Date.now() > end) return { addrs, routes };
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      let k = await kernel();
      assert.deepEqual(k.addrs, ['10.64.64.10/32']);
      const at = (pred: (l: (typeof w.logs)[number]) => boolean) => {
        const l = w.logs.find(pred);
        return l && typeof l.time === 'string' ? Date.parse(l.time) : Number.NaN;
      };
      const accepted = at((l) => l.msg === 'config accepted');
      const routed = at(
        (l) => l.msg === 'reconciled' && JSON.stringify(l.steps ?? '').includes('create net.route'),
      );
      // EVE's Go agent on the same kit: 0.199 s from the config to a configured wwan0 (eve-mmagent-live.md).
      t.diagnostic(
        `real ModemManager: config accepted -> connected and wwan0 configured in ${routed - accepted} ms`,
      );
      assert.deepEqual(
        k.routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} metric ${r.metric}`),
        ['default metric 5000'],
        'a gateway-less bearer gets a device route (EVE refused it)',
      );

      await mm.unplug();
      await w.waitStatus(
        (s) =>
          (s.Networks ?? []).some((x) => x.LogicalLabel === 'modem-1' && x.ConfigError === 'modem not found'),
        'modem not found after unplug',
        30_000,
      );
      await mm.replug();
      await w.waitStatus(online, 'modem-1 online again after replug', 90_000);
      k = await kernel();
      assert.deepEqual(k.addrs, ['10.64.64.10/32'], 'address restored');
    });
  } finally {
    await mm.stop();
  }
});

test('mmagent run --pubsub against the real ModemManager: a Python peer publishes WwanConfig and reads WwanStatus', async (t) => {
  if (skipUnless(t, REAL_MM_NEEDS)) return;
  const mm = await RealModemManager.start({ mmLogLevel: 'INFO' });
  try {
    const config = {
      DPCKey: 'real-mm-pubsub',
      DPCTimestamp: '2026-12-03T10:00:00.987654321Z',
      RSConfigTimestamp: '0001-01-01T00:00:00Z',
      Networks: [
        network('modem-1', 'wwan0', { AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4' } }),
      ],
    };
    // zedagent's global config with the agent's level: ModemManager's follows (debug -> INFO).
    const globalConfig = {
      GlobalSettings: {},
      AgentSettings: {
        wwan: { 'debug.loglevel': { Key: 'debug.loglevel', ItemType: 3, StrValue: 'debug' } },
      },
    };
    await withAgentOn(
      { busAddress: mm.busAddress, config, tuns: ['wwan0'], pubsub: { globalConfig } },
      async (w) => {
        const st = await w.waitStatus(
          (s) =>
            (s.Networks ?? []).some(
              (n) =>
                n.LogicalLabel === 'modem-1' &&
                n.Module.OpMode === 'online-and-connected' &&
                n.IPSettings.Address !== null,
            ),
          'modem-1 online on the real ModemManager, read over pubsub',
          60_000,
        );
        assert.equal(st.DPCTimestamp, '2026-12-03T10:00:00.987654321Z');
        const n = st.Networks!.find((x) => x.LogicalLabel === 'modem-1')!;
        assert.equal(n.IPSettings.Address?.IP, '10.64.64.10');
        const applied = w.logs.find((l) => l.msg === 'global settings applied');
        assert.equal(applied?.modemManagerLogLevel, 'INFO');
        assert.ok(
          !w.logs.some((l) => l.msg === 'cannot set the ModemManager log level'),
          'the real ModemManager took SetLogging',
        );
      },
    );
  } finally {
    await mm.stop();
  }
});

test('SIM PIN on the real ModemManager: a wrong PIN is sent once and never again; the right one unlocks and connects', async (t) => {
  if (
    skipUnless(t, {
      root: true,
      commands: ['dbus-daemon', 'dbus-monitor', 'ModemManager', 'mmcli', 'unshare', 'python3', 'ip'],
    })
  )
    return;
  const mm = await RealModemManager.start({ mmLogLevel: 'INFO', atsimEnv: { ATSIM_PIN: '1234' } });
  // SendPin calls as the bus carries them, seen by dbus-monitor (not by the agent's own account).
  const monitor = spawn(
    'dbus-monitor',
    [
      '--address',
      mm.busAddress,
      "type='method_call',interface='org.freedesktop.ModemManager1.Sim',member='SendPin'",
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let monitored = '';
  monitor.stdout?.on('data', (d: Buffer) => {
    monitored += d.toString();
  });
  const sendPins = () => (monitored.match(/member=SendPin/g) ?? []).length;
  try {
    const cfg = (pin: string) => ({
      DPCKey: 'real-mm-pin',
      DPCTimestamp: '2026-12-03T10:00:00Z',
      RSConfigTimestamp: '0001-01-01T00:00:00Z',
      Networks: [
        network('modem-1', 'wwan0', {
          AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4', PIN: pin },
        }),
      ],
    });
    await withAgentOn({ busAddress: mm.busAddress, config: cfg('0000'), tuns: ['wwan0'] }, async (w) => {
      const st = await w.waitStatus(
        (s) =>
          /rejected this PIN/.test(s.Networks?.find((n) => n.LogicalLabel === 'modem-1')?.ConfigError ?? ''),
        'the wrong PIN rejected by the real ModemManager',
        60_000,
      );
      t.diagnostic(`status: ${st.Networks?.[0]?.ConfigError}`);
      await w.settle(2000);
      assert.equal(sendPins(), 1, 'the wrong PIN went on the bus once');
      await w.writeConfig(cfg('1234'));
      await w.waitStatus(
        (s) =>
          (s.Networks ?? []).some(
            (n) =>
              n.LogicalLabel === 'modem-1' &&
              n.Module.OpMode === 'online-and-connected' &&
              n.IPSettings.Address,
          ),
        'unlocked and online',
        90_000,
      );
      assert.equal(sendPins(), 2, 'the right PIN once');
    });
  } finally {
    monitor.kill();
    await mm.stop();
  }
});

test('repair ladder on the real ModemManager: traffic blackholed behind the bearer -> reconnect, then disable/enable, online again after each', async (t) => {
  if (skipUnless(t, REAL_MM_NEEDS)) return;
  const mm = await RealModemManager.start({ mmLogLevel: 'INFO' });
  try {
    const int = (key: string, v: number) => ({ Key: key, ItemType: 1, IntValue: v });
    const globalConfig = {
      GlobalSettings: {
        'wwan.probe.interval': int('wwan.probe.interval', 10),
        'wwan.probe.timeout': int('wwan.probe.timeout', 1),
        'wwan.probe.threshold': int('wwan.probe.threshold', 1),
        'wwan.probe.reconnect.cooldown': int('wwan.probe.reconnect.cooldown', 0),
        'wwan.probe.reenable.cooldown': int('wwan.probe.reenable.cooldown', 0),
      },
    };
    const config = {
      DPCKey: 'real-mm-ladder',
      DPCTimestamp: '2026-12-03T10:00:00Z',
      RSConfigTimestamp: '0001-01-01T00:00:00Z',
      Networks: [
        network('modem-1', 'wwan0', { AccessPoint: { Activated: true, APN: 'internet', IPType: 'ipv4' } }),
      ],
    };
    await withAgentOn(
      { busAddress: mm.busAddress, config, tuns: ['wwan0'], pubsub: { globalConfig } },
      async (w) => {
        const steps = () =>
          w.logs.filter((l) => l.msg === 'connectivity repair done').map((l) => String(l.step));
        const end = Date.now() + 90_000;
        while (!steps().includes('reenable')) {
          assert.ok(
            Date.now() < end,
            `reconnect and disable/enable on the real ModemManager; steps: ${steps()}`,
          );
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.deepEqual(steps().slice(0, 2), ['reconnect', 'reenable']);
        const failed = w.logs.find((l) => l.msg === 'connectivity probe failed');
        const done = w.logs.find((l) => l.msg === 'connectivity repair done');
        t.diagnostic(
          `real ModemManager: probe failure -> reconnect done in ${Date.parse(String(done?.time)) - Date.parse(String(failed?.time))} ms`,
        );
        // Online again after each step: the reconciler connected and enabled the modem again.
        await w.waitStatus(
          (s) =>
            (s.Networks ?? []).some(
              (n) => n.LogicalLabel === 'modem-1' && n.Module.OpMode === 'online-and-connected',
            ),
          'online again after the steps',
          60_000,
        );
      },
    );
  } finally {
    await mm.stop();
  }
});
