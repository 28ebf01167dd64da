/**
 * The agent alone (src/agent/): reactions to ModemManager's state, the config in force, and what it
 * keeps in memory. ModemManager is a scripted snapshot, time a manual clock (test/agent/harness.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildOutputs } from '../../src/agent/outputs.js';
import { bearerDict, type ConnectProperties } from '../../src/modemmanager/calls.js';
import { IFACE } from '../../src/modemmanager/types.js';
import { FakeNetlink, link } from '../net/fake-netlink.js';
import { agentWorld, BEARER0, configAB, MODEM0, MODEM1 } from './harness.js';

/** modem-a managed and online (adopted on the first look), the agent settled. */
async function online(opts: { expectationGraceMs?: number } = {}) {
  const w = agentWorld(opts);
  w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
  await w.settle();
  return w;
}

/** From now on ModemManager replies to Connect without reporting the bearer, and says it is connected. */
function connectWithoutReport(w: Awaited<ReturnType<typeof online>>): void {
  w.mm.script.set('connect', () => BEARER0);
  w.mm.script.set('getStatus', () => ({ state: 11 }));
}

describe('the agent reacts to ModemManager', () => {
  test('the first look adopts a connected bearer: no Connect, no Disconnect', async () => {
    const w = await online();
    assert.equal(w.mm.count('connect'), 0, w.mm.members().join(', '));
    assert.equal(w.mm.count('disconnect'), 0);
  });

  test('a bearer drop is answered with a Connect at once (no clock movement)', async () => {
    const w = await online();
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.equal(w.mm.count('connect'), 1);
    assert.equal(w.clock.now(), 0);
  });

  test('a drop right after a reconnect is answered at once, not after the grace window', async () => {
    const w = await online();
    w.mm.setBearerConnected(false); // first drop
    await w.settle();
    assert.equal(w.mm.count('connect'), 1);
    await w.clock.advance(1);
    w.mm.setBearerConnected(false); // 1 ms after the reconnect
    await w.settle();
    assert.equal(w.mm.count('connect'), 2, 'the second drop was acted on without waiting');
    assert.equal(w.clock.now(), 1);
  });

  test('a drop while Connect is still returning is not lost: reconnected without waiting', async () => {
    const w = await online();
    let first = true;
    w.mm.script.set('connect', () => {
      w.mm.setBearerConnected(true);
      // The bearer drops before the reply reaches the agent.
      if (first) w.mm.setBearerConnected(false);
      first = false;
      return BEARER0;
    });
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.equal(w.mm.count('connect'), 2, w.mm.members().join(', '));
    assert.equal(w.clock.now(), 0);
  });

  test('a bearer that ModemManager reports on after Connect returned is news: a drop in it is answered at once', async () => {
    const w = await online({ expectationGraceMs: 15_000 });
    // ModemManager replies to Connect before it reports the bearer (and says connected when asked)...
    connectWithoutReport(w);
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.equal(w.mm.count('connect'), 1);
    // ...and its first report after the reply says the bearer is down again.
    w.mm.edit((t) => {
      (t.objects[BEARER0]![IFACE.bearer] as { ConnectionError?: unknown }).ConnectionError = [
        'org.freedesktop.ModemManager1.Error.MobileEquipment.NoCarrier',
        'dropped',
      ];
    });
    await w.settle();
    assert.equal(w.mm.count('connect'), 2, 'reconnected without waiting for the window');
    assert.equal(w.clock.now(), 0);
  });

  test('Connect returned but the bearer is not reported yet, and the modem says it is not connected: reconnected at once', async () => {
    const w = await online({ expectationGraceMs: 15_000 });
    // The reply comes, no report follows; asked directly, the modem says registered (the bearer
    // dropped). The next Connect works as usual.
    let first = true;
    w.mm.script.set('connect', () => {
      if (!first) w.mm.setBearerConnected(true);
      first = false;
      return BEARER0;
    });
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.ok(w.mm.count('getStatus') >= 1, 'the agent asked');
    assert.equal(w.mm.count('connect'), 2, 'reconnected without waiting for the window');
    assert.equal(w.clock.now(), 0);
  });

  test('a contradiction inside the grace window is re-checked when the window closes', async () => {
    const w = await online({ expectationGraceMs: 15_000 });
    // This ModemManager replies to Connect before it loads the bearer, and the bearer never comes,
    // while it says the modem is connected when asked.
    connectWithoutReport(w);
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.equal(w.mm.count('connect'), 1);
    w.mm.edit((t) => {
      (t.objects[MODEM0]![IFACE.modem] as { SignalQuality?: unknown }).SignalQuality = [50, true];
    });
    await w.settle();
    assert.equal(w.mm.count('connect'), 1, 'inside the window the observation is held back');
    await w.clock.advance(15_001);
    await w.settle();
    assert.equal(w.mm.count('connect'), 2, 'looked again when the window closed');
  });
});

describe('what an event costs', () => {
  test('a burst of ModemManager signals (one D-Bus read) is one rebuild of the desired state', async () => {
    const w = await online();
    const before = w.agent.rebuilds;
    for (const q of [40, 50, 60])
      w.mm.edit((t) => {
        (t.objects[MODEM0]![IFACE.modem] as { SignalQuality?: unknown }).SignalQuality = [q, true];
      });
    await w.settle();
    assert.equal(w.agent.rebuilds - before, 1);
    // The rebuild saw the last of them.
    const m = w.agent.view().snapshot.objects[MODEM0]![IFACE.modem] as { SignalQuality?: unknown };
    assert.deepEqual(m.SignalQuality, [60, true]);
  });

  test('signals in separate turns are each acted on', async () => {
    const w = await online();
    const before = w.agent.rebuilds;
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.equal(w.mm.count('connect'), 1);
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.equal(w.mm.count('connect'), 2);
    assert.ok(w.agent.rebuilds - before >= 2);
  });
});

describe('stale bearers', () => {
  /** The calls of what follows, without the read that confirms a Connect. */
  const changes = (w: Awaited<ReturnType<typeof online>>, from: number) =>
    w.mm.log
      .slice(from)
      .map((c) => c.member)
      .filter((m) => m !== 'getStatus');

  test('a stale bearer with other settings is deleted before the Connect', async () => {
    const w = await online();
    // The captured bearer says ip-type 4 and no allow-roaming: not what this config connects with.
    const from = w.mm.log.length;
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.deepEqual(changes(w, from), ['deleteBearer', 'connect']);
  });

  test('a drop leaves a bearer with the very same settings: Connect takes it again, nothing deleted first', async () => {
    const w = await online();
    w.mm.setBearerConnected(false);
    await w.settle();
    const asked = w.mm.log.find((c) => c.member === 'connect')?.args[1] as ConnectProperties;
    // ModemManager reports the settings it was asked for, and its default profile id.
    const reported = Object.fromEntries(Object.entries(bearerDict(asked)).map(([k, t]) => [k, t.value]));
    w.mm.edit((t) => {
      (t.objects[BEARER0]![IFACE.bearer] as { Properties?: unknown }).Properties = {
        'profile-id': -1,
        ...reported,
      };
    });
    await w.settle();
    const from = w.mm.log.length;
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.deepEqual(changes(w, from), ['connect']);
  });
});

describe('the config in force', () => {
  test("a modem whose items cannot be built keeps them, with the reason in its ConfigError; the other modem's drop is still answered", async (t) => {
    const nl = new FakeNetlink();
    nl.links = [link(5, 'wwan0', { up: false }), link(6, 'wwan1', { up: false })];
    const w = agentWorld({ netlink: nl });
    t.after(() => w.close());
    w.setConfig(configAB(true));
    await w.settle();
    await w.clock.advance(100);
    await w.settle();
    const desiredBefore = w.agent.controller.state().desired;
    const aItems = [...desiredBefore.nodes.values()].filter((n) => n.path[0] === 'modem-a').length;
    assert.ok(aItems > 5, `modem-a has network items (${aItems})`);
    // ModemManager reports an address the kernel would refuse: modem-a's items cannot be built.
    w.mm.edit((t) => {
      const b = t.objects[BEARER0]![IFACE.bearer] as { Ip4Config?: { prefix?: number } };
      b.Ip4Config!.prefix = 99;
    });
    await w.settle();
    assert.match(w.agent.modelErrors().get('modem-a') ?? '', /prefix length 99/);
    const after = [...w.agent.controller.state().desired.nodes.values()].filter(
      (n) => n.path[0] === 'modem-a',
    );
    assert.equal(after.length, aItems, "modem-a's items stay in force");
    const status = buildOutputs(w.agent.view()).status;
    const a = status.Networks?.find((n) => n.LogicalLabel === 'modem-a');
    assert.match(a?.ConfigError ?? '', /cannot apply the config: .*prefix length 99/);
    for (let i = 0; i < 5; i++) {
      w.mm.edit((t) => {
        (t.objects[MODEM0]![IFACE.modem] as { SignalQuality?: unknown }).SignalQuality = [40 + i, true];
      });
      await w.settle();
      await w.clock.advance(1000);
    }
    assert.equal(w.logger.errors().length, 1, `logged once: ${JSON.stringify(w.logger.errors())}`);
    // Observations go on: the same (still unbuildable) modem drops and is reconnected.
    const before = w.mm.log.filter((c) => c.member === 'connect' && c.args[0] === MODEM0).length;
    w.mm.setBearerConnected(false);
    await w.settle();
    const connects = w.mm.log.filter((c) => c.member === 'connect' && c.args[0] === MODEM0).length;
    assert.equal(connects - before, 1, 'the drop was answered');
  });
});

describe('the first read of the kernel', () => {
  test('until it is done the status is held back (it would say the interface does not exist), then it is asked for', async (t) => {
    /** The kernel's first dump answers only when the test lets it. */
    class SlowNetlink extends FakeNetlink {
      open: () => void = () => {};
      readonly gate = new Promise<void>((r) => {
        this.open = r;
      });
      override async listLinks(opts?: Parameters<FakeNetlink['listLinks']>[0]) {
        await this.gate;
        return super.listLinks(opts);
      }
    }
    const nl = new SlowNetlink();
    nl.links = [link(5, 'wwan0', { up: true }), link(6, 'wwan1', { up: false })];
    let changes = 0;
    const w = agentWorld({ netlink: nl, onChange: () => changes++ });
    t.after(() => w.close());
    w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
    await w.settle();
    assert.equal(w.agent.readingKernel, true, 'the observer has not read the kernel yet');
    const before = changes;
    nl.open();
    for (let i = 0; i < 50 && w.agent.readingKernel; i++) await w.settle();
    assert.equal(w.agent.readingKernel, false);
    assert.ok(changes > before, 'the status is asked for once the kernel is read');
  });
});

describe('ModemManager away for a moment', () => {
  test('its last state stays in force for the grace (no teardown, no call); past it the modems count as gone', async (t) => {
    const nl = new FakeNetlink();
    nl.links = [link(5, 'wwan0', { up: true }), link(6, 'wwan1', { up: false })];
    const w = agentWorld({ netlink: nl });
    t.after(() => w.close());
    w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
    await w.settle();
    await w.clock.advance(100);
    await w.settle();
    const present = w.mm.snapshot;
    assert.ok(nl.ops().includes('addAddress'), 'the connection is configured');
    const teardown = () => nl.ops().filter((op) => op === 'deleteAddress' || op === 'deleteRoute').length;
    const calls = w.mm.log.length;
    const ops = nl.calls.length;
    // The bus or ModemManager goes away: the client's snapshot is empty, without an owner.
    const away = () =>
      w.mm.edit((tr) => {
        tr.owner = undefined;
        tr.objects = {};
      });
    away();
    await w.settle();
    await w.clock.advance(9_000);
    await w.settle();
    assert.equal(teardown(), 0, 'nothing torn down within the grace');
    assert.equal(w.mm.log.length, calls, 'no ModemManager call');
    assert.match(w.logger.lines.map((l) => l.msg).join('\n'), /ModemManager is gone/);
    // Back with the bearer still up: nothing to do.
    w.mm.edit(() => present);
    await w.settle();
    assert.equal(nl.calls.length, ops, 'no netlink request at all');
    assert.equal(w.mm.log.length, calls);
    // Away past the grace: its absence is taken as it is.
    away();
    await w.settle();
    await w.clock.advance(10_000);
    await w.settle();
    assert.ok(teardown() > 0, 'the connection is torn down once the grace ends');
  });
});

describe('a flapping bearer', () => {
  test('100 drops in a minute are damped: far fewer Connects, and the status says why', async (t) => {
    const w = agentWorld();
    t.after(() => w.close());
    w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
    await w.settle();
    let held = '';
    for (let i = 0; i < 100; i++) {
      if (w.mm.snapshot.objects[BEARER0]?.[IFACE.bearer]?.Connected === true) w.mm.setBearerConnected(false);
      await w.settle();
      const ce = buildOutputs(w.agent.view()).status.Networks?.[0]?.ConfigError ?? '';
      if (ce.includes('held back')) held = ce;
      await w.clock.advance(600);
    }
    const connects = w.mm.count('connect');
    t.diagnostic(`100 drop chances in 60 s -> ${connects} Connect calls; status said: "${held}"`);
    assert.ok(connects >= 3 && connects <= 15, `${connects} Connects`);
    assert.match(held, /^connect held back: damped: \d+ drifts in/);
  });
});

describe('global settings', () => {
  test('the tracking modem gets the GPS refresh rate of the location timers; a new rate is one more SetGpsRefreshRate, the same rate none', async () => {
    const w = agentWorld();
    const setLocation = (path: string, props: Record<string, unknown>) =>
      w.mm.edit((t) => {
        const o = t.objects[path] as Record<string, Record<string, unknown>>;
        o[IFACE.location] = { ...(o[IFACE.location] ?? {}), ...props };
      });
    w.mm.script.set('locationSetup', ([path, sources, signals]) =>
      setLocation(path as string, { Enabled: sources, SignalsLocation: signals }),
    );
    w.mm.script.set('setGpsRefreshRate', ([path, rate]) =>
      setLocation(path as string, { GpsRefreshRate: rate }),
    );
    w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' }, LocationTracking: true }));
    await w.settle();
    const rates = () => w.mm.log.filter((c) => c.member === 'setGpsRefreshRate').map((c) => c.args[1]);
    assert.deepEqual(rates(), [10], "EVE's default: min(20 s, 3600 s) / 2");
    w.agent.setLocationRefresh(150);
    await w.settle();
    assert.deepEqual(rates(), [10, 150]);
    w.agent.setLocationRefresh(150);
    await w.settle();
    assert.deepEqual(rates(), [10, 150], 'unchanged: no call');
    await w.close();
  });

  test('location tracking hands over to the next eligible modem when the tracked one goes away', async () => {
    const w = agentWorld();
    const cfg = configAB(true, { AccessPoint: { APN: 'internet' }, LocationTracking: true });
    const b = cfg.Networks?.[1];
    if (b) b.LocationTracking = true;
    w.setConfig(cfg);
    await w.settle();
    const enabledOn = () =>
      w.mm.log.filter((c) => c.member === 'locationSetup' && c.args[2] === true).map((c) => c.args[0]);
    assert.deepEqual(enabledOn(), [MODEM0], 'the first configured tracking modem');
    w.mm.edit((t) => {
      delete t.objects[MODEM0];
    });
    await w.settle();
    assert.deepEqual(enabledOn(), [MODEM0, MODEM1], 'modem-b takes over');
    await w.close();
  });
});

describe('visible-provider scans', () => {
  const scanResult = [
    { status: 2, 'operator-code': '00101', 'operator-long': 'SimNet', 'access-technology': 0x4000 },
  ];

  test('on: every managed modem scanned once per round, results in the status; a scan under way holds nothing back; off: gone', async () => {
    const w = agentWorld();
    const pending: { path: string; resolve: (v: unknown) => void; signal: AbortSignal }[] = [];
    w.mm.script.set(
      'scan',
      ([path, opts]) =>
        new Promise((resolve) =>
          pending.push({ path: path as string, resolve, signal: (opts as { signal: AbortSignal }).signal }),
        ),
    );
    w.setConfig(configAB(false, { AccessPoint: { APN: 'internet' } }));
    await w.settle();
    assert.equal(w.mm.count('scan'), 0, 'off by default');
    w.agent.setScanning(true);
    await w.settle();
    assert.equal(w.mm.count('scan'), 1);
    // The scan is still running: a bearer drop is answered at once all the same.
    w.mm.setBearerConnected(false);
    await w.settle();
    assert.equal(w.mm.count('connect'), 1, 'reconnected while the scan runs');
    assert.equal(w.mm.count('scan'), 1, 'no second scan in the same round');
    pending[0]?.resolve(scanResult);
    await w.settle();
    const status = () =>
      buildOutputs(w.agent.view()).status.Networks?.find((n) => n.LogicalLabel === 'modem-a');
    assert.deepEqual(
      status()?.VisibleProviders?.map((p) => [p.PLMN, p.Description, p.CurrentServing]),
      [['00101', 'SimNet', true]],
    );
    await w.clock.advance(3_600_000 - 1);
    await w.settle();
    assert.equal(w.mm.count('scan'), 1);
    await w.clock.advance(1);
    await w.settle();
    assert.equal(w.mm.count('scan'), 2, 'the next round an hour later');
    assert.ok(status()?.VisibleProviders, 'the last results stay while the next scan runs');
    w.agent.setScanning(false);
    await w.settle();
    assert.ok(pending[1]?.signal.aborted, 'the scan under way is aborted');
    assert.equal(status()?.VisibleProviders, null, 'results cleared when scanning is off');
    await w.clock.advance(3_600_000);
    await w.settle();
    assert.equal(w.mm.count('scan'), 2);
    await w.close();
  });

  test('never during radio silence', async () => {
    const w = agentWorld();
    w.agent.setScanning(true);
    w.setConfig({ ...configAB(false, { AccessPoint: { APN: 'internet' } }), RadioSilence: true });
    await w.settle();
    assert.equal(w.mm.count('scan'), 0);
    await w.close();
  });
});
