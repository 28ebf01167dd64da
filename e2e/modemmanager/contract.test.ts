/**
 * Contract tests of the ModemManager client, written once over MMBackend and run against every
 * backend in backends.ts (the real ModemManager 1.20 with a simulated modem; our simulator when
 * present). The steps share one backend and one client and run in order, like an agent's life:
 * discover → enable → connect → read bearer → disconnect → unplug/replug → MM restart → signals
 * still arrive from the restarted ModemManager.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BearerIpFamily,
  BearerIpMethod,
  classify,
  IFACE,
  ModemLocationSource,
  ModemManagerClient,
  ModemManagerError,
  ModemPortType,
  ModemState,
  type ModemView,
  modems,
  pathIndex,
  type Snapshot,
} from '../../src/modemmanager/index.js';
import type { MMBackend } from '../harness/backend.js';
import { inCI, missingPrereq } from '../harness/require.js';
import { contractBackends } from './backends.js';

const WAIT = { timeoutMs: 30_000 };

function onlyModem(s: Snapshot): ModemView | undefined {
  const list = modems(s);
  return list.length === 1 ? list[0] : undefined;
}

for (const factory of await contractBackends()) {
  const missing = missingPrereq(factory.needs);
  if (missing && inCI) throw new Error(`e2e prerequisite missing in CI for ${factory.name}: ${missing}`);

  describe(`ModemManager contract [${factory.name}]`, { skip: missing ?? false, timeout: 180_000 }, () => {
    let backend: MMBackend | undefined;
    let client: ModemManagerClient | undefined;
    const be = (): MMBackend => backend ?? assert.fail('backend not started');
    const mm = (): ModemManagerClient => client ?? assert.fail('client not connected');
    let modemPath = '';

    before(async () => {
      backend = await factory.start();
      client = await ModemManagerClient.connect({ address: backend.busAddress });
    });
    after(async () => {
      await client?.close();
      await backend?.stop();
    });

    test('discovers the modem, its ports and its SIM; reads the version once', async () => {
      const m = await mm().waitFor(onlyModem, { ...WAIT, what: 'one modem' });
      const sim = await mm().waitFor(() => onlyModem(mm().snapshot)?.sim, {
        ...WAIT,
        what: 'the SIM object',
      });
      const x = be().expect;
      modemPath = m.path;
      assert.match(m.path, /^\/org\/freedesktop\/ModemManager1\/Modem\/\d+$/);
      assert.equal(m.modem.Manufacturer, x.manufacturer);
      assert.equal(m.modem.Model, x.model);
      assert.equal(m.modem.EquipmentIdentifier, x.equipmentIdentifier);
      assert.ok(
        m.modem.Ports?.some(([name, type]) => name === x.interfaceName && type === ModemPortType.Net),
        `net port ${x.interfaceName} in ${JSON.stringify(m.modem.Ports)}`,
      );
      assert.equal(m.modem.State, ModemState.Disabled);
      assert.ok(m.interfaces.includes(IFACE.simple) && m.interfaces.includes(IFACE.modem3gpp));
      assert.equal(sim.props.Imsi, x.imsi);
      assert.equal(sim.props.SimIdentifier, x.iccid);
      assert.match(mm().version ?? '', /^\d+\.\d+/);
      assert.equal(mm().versionAtLeast('1.0'), true);
      assert.equal(mm().versionAtLeast('99.0'), false);
    });

    test('enables the modem; registration arrives through PropertiesChanged', async () => {
      const seen: number[] = [];
      const onChange = (path: string, iface: string, changed: Record<string, unknown>): void => {
        if (path === modemPath && iface === IFACE.modem && typeof changed.State === 'number')
          seen.push(changed.State);
      };
      mm().on('properties-changed', onChange);
      try {
        await mm().calls.enable(modemPath, true);
        const reg = await mm().waitFor(
          (s) => {
            const v = modems(s).find((x) => x.path === modemPath);
            return (v?.modem.State ?? 0) >= ModemState.Registered && v?.modem3gpp?.OperatorCode
              ? v
              : undefined;
          },
          { ...WAIT, what: 'registered' },
        );
        assert.equal(reg.modem3gpp?.OperatorCode, be().expect.operatorCode);
        assert.ok(seen.includes(ModemState.Enabling), `State changes seen: ${seen}`);
      } finally {
        mm().off('properties-changed', onChange);
      }
    });

    test('3GPP scan, Signal.Setup and Location.Setup on the enabled modem', async () => {
      const found = await mm().calls.scan(modemPath);
      assert.ok(
        found.some((n) => n['operator-code'] === be().expect.operatorCode),
        `scan results: ${JSON.stringify(found)}`,
      );
      await mm().calls.signalSetup(modemPath, 5);
      await mm().waitFor((s) => s.objects[modemPath]?.[IFACE.signal]?.Rate === 5, {
        ...WAIT,
        what: 'Signal.Rate 5',
      });
      await mm().calls.locationSetup(modemPath, ModemLocationSource.Lac3gppCi, true);
      await mm().waitFor(
        (s) => {
          const l = s.objects[modemPath]?.[IFACE.location];
          return l?.Enabled === ModemLocationSource.Lac3gppCi && l.SignalsLocation === true;
        },
        { ...WAIT, what: 'Location enabled' },
      );
      assert.ok(Array.isArray(await mm().calls.listProfiles(modemPath)));
      await mm().calls.signalSetup(modemPath, 0);
      await mm().calls.locationSetup(modemPath, ModemLocationSource.None, false);
    });

    let bearerPath = '';
    test('connects with an APN; the bearer has Interface and a static Ip4Config', async () => {
      const x = be().expect;
      bearerPath = await mm().calls.connect(modemPath, { apn: x.apn, ipType: BearerIpFamily.Ipv4 });
      assert.match(bearerPath, /^\/org\/freedesktop\/ModemManager1\/Bearer\/\d+$/);
      const b = await mm().waitFor(
        (s) => {
          const p = s.objects[bearerPath]?.[IFACE.bearer];
          return p?.Connected === true
            ? onlyModem(mm().snapshot)?.bearers.find((y) => y.path === bearerPath)
            : undefined;
        },
        { ...WAIT, what: 'bearer connected' },
      );
      assert.equal(b.props.Interface, x.interfaceName);
      assert.equal(b.props.Ip4Config?.method, BearerIpMethod.Static);
      assert.equal(b.props.Ip4Config?.address, x.ipv4.address);
      assert.equal(b.props.Ip4Config?.prefix, x.ipv4.prefix);
      assert.equal(b.props.Properties?.apn, x.apn);
      assert.equal(b.props.Properties?.['ip-type'], BearerIpFamily.Ipv4);
      // the snapshot agrees with a direct read
      assert.deepEqual(await mm().getProperty(bearerPath, IFACE.bearer, 'Ip4Config'), b.props.Ip4Config);
      await mm().waitFor((s) => s.objects[modemPath]?.[IFACE.modem]?.State === ModemState.Connected, {
        ...WAIT,
        what: 'modem connected',
      });
    });

    test('a network-initiated drop shows as Connected=false', async (t) => {
      const drop = be().dropBearer?.bind(be());
      if (!drop) {
        t.skip(`${factory.name} cannot drop a bearer`);
        return;
      }
      await drop();
      await mm().waitFor((s) => s.objects[bearerPath]?.[IFACE.bearer]?.Connected === false, {
        ...WAIT,
        what: 'bearer dropped',
      });
      // reconnect for the disconnect step
      const again = await mm().calls.connect(modemPath, {
        apn: be().expect.apn,
        ipType: BearerIpFamily.Ipv4,
      });
      bearerPath = again;
      await mm().waitFor((s) => s.objects[again]?.[IFACE.bearer]?.Connected === true, {
        ...WAIT,
        what: 'bearer reconnected',
      });
    });

    test('disconnects', async () => {
      await mm().calls.disconnect(modemPath);
      await mm().waitFor((s) => s.objects[bearerPath]?.[IFACE.bearer]?.Connected === false, {
        ...WAIT,
        what: 'bearer disconnected',
      });
      await mm().waitFor((s) => s.objects[modemPath]?.[IFACE.modem]?.State === ModemState.Registered, {
        ...WAIT,
        what: 'modem back to registered',
      });
    });

    test('a refused connect rejects with the ModemManager error name, kept verbatim', async (t) => {
      const fail = be().failNextConnect?.bind(be());
      if (!fail) {
        t.skip(`${factory.name} cannot inject a connect failure`);
        return;
      }
      const errorName = await fail();
      const err = await mm()
        .calls.connect(modemPath, { apn: be().expect.apn, ipType: BearerIpFamily.Ipv4 })
        .catch((e: unknown) => e);
      assert.ok(err instanceof ModemManagerError, String(err));
      assert.equal(err.errorName, errorName);
      assert.equal(err.method, `${IFACE.simple}.Connect`);
      // the bearer keeps the reason (Bearer.ConnectionError, 1.18+)
      if (mm().supports('connectionError')) {
        await mm().waitFor(
          (s) =>
            modems(s)
              .find((m) => m.path === modemPath)
              ?.bearers.some((b) => b.props.ConnectionError?.[0] === errorName),
          { ...WAIT, what: 'ConnectionError on the bearer' },
        );
      }
      // the next attempt goes through
      const bearer = await mm().calls.connect(modemPath, {
        apn: be().expect.apn,
        ipType: BearerIpFamily.Ipv4,
      });
      await mm().waitFor((s) => s.objects[bearer]?.[IFACE.bearer]?.Connected === true, {
        ...WAIT,
        what: 'connected',
      });
      await mm().calls.disconnect(modemPath);
      await mm().waitFor((s) => s.objects[bearer]?.[IFACE.bearer]?.Connected === false, {
        ...WAIT,
        what: 'disconnected',
      });
    });

    test('survives unplug / replug: the modem comes back under a new path', async () => {
      const removed: string[] = [];
      const added: string[] = [];
      const onRemoved = (p: string): number => removed.push(p);
      const onAdded = (p: string): number => added.push(p);
      mm().on('modem-removed', onRemoved);
      mm().on('modem-added', onAdded);
      try {
        await be().unplug();
        await mm().waitFor((s) => modems(s).length === 0, { ...WAIT, what: 'no modem' });
        assert.deepEqual(removed, [modemPath]);
        assert.equal(mm().snapshot.objects[bearerPath], undefined, 'its bearer is gone too');
        const err = await mm()
          .calls.enable(modemPath, true, { timeoutMs: 10_000 })
          .catch((e: unknown) => e);
        assert.ok(err instanceof ModemManagerError, String(err));
        assert.equal(classify(err), 'gone', err.errorName);

        await be().replug();
        const m = await mm().waitFor(onlyModem, { ...WAIT, what: 'modem back' });
        assert.notEqual(m.path, modemPath);
        assert.ok(pathIndex(m.path) > pathIndex(modemPath), `${m.path} after ${modemPath}`);
        assert.deepEqual(added, [m.path]);
        assert.equal(m.modem.EquipmentIdentifier, be().expect.equipmentIdentifier);
        modemPath = m.path;
      } finally {
        mm().off('modem-removed', onRemoved);
        mm().off('modem-added', onAdded);
      }
    });

    test('survives a ModemManager restart (NameOwnerChanged → full resync)', async () => {
      const before = mm().snapshot;
      assert.ok(before.owner);
      let vanishedCount = 0;
      let appeared: string | undefined;
      const onVanished = (): number => vanishedCount++;
      const onAppeared = (owner: string): void => {
        appeared = owner;
      };
      mm().on('mm-vanished', onVanished);
      mm().on('mm-appeared', onAppeared);
      try {
        await be().restartModemManager();
        const m = await mm().waitFor(
          (s) => (s.owner && s.owner !== before.owner ? onlyModem(mm().snapshot) : undefined),
          {
            ...WAIT,
            what: 'modem from the new ModemManager',
          },
        );
        assert.ok(vanishedCount >= 1, 'mm-vanished emitted');
        assert.equal(appeared, mm().snapshot.owner);
        assert.ok(mm().snapshot.generation > before.generation);
        assert.match(mm().version ?? '', /^\d+\.\d+/);
        assert.equal(m.modem.EquipmentIdentifier, be().expect.equipmentIdentifier);
        await mm().waitFor(() => onlyModem(mm().snapshot)?.sim, { ...WAIT, what: 'SIM after restart' });
        modemPath = m.path;
      } finally {
        mm().off('mm-vanished', onVanished);
        mm().off('mm-appeared', onAppeared);
      }
    });

    test('signals still arrive after the ModemManager restart', async () => {
      // The proof: after the restart no further resync happens (same generation), so every change
      // below can only have reached the snapshot through PropertiesChanged / InterfacesAdded
      // signals sent by the NEW ModemManager process.
      const generation = mm().snapshot.generation;
      const owner = mm().snapshot.owner;
      const senders = new Set<string>();
      let signals = 0;
      const onChange = (path: string): void => {
        if (path === modemPath) signals++;
        senders.add(mm().snapshot.owner ?? '');
      };
      mm().on('properties-changed', onChange);
      try {
        await mm().waitFor((s) => s.objects[modemPath]?.[IFACE.modem]?.State === ModemState.Disabled, {
          ...WAIT,
          what: 'disabled after restart',
        });
        await mm().calls.enable(modemPath, true);
        await mm().waitFor(
          (s) => Number(s.objects[modemPath]?.[IFACE.modem]?.State ?? 0) >= ModemState.Registered,
          { ...WAIT, what: 'registered via signals' },
        );
        const bearer = await mm().calls.connect(modemPath, {
          apn: be().expect.apn,
          ipType: BearerIpFamily.Ipv4,
        });
        const b = await mm().waitFor(
          (s) => {
            const p = s.objects[bearer]?.[IFACE.bearer];
            return p?.Connected === true ? p : undefined;
          },
          { ...WAIT, what: 'connected via signals' },
        );
        assert.equal(b.Interface, be().expect.interfaceName);
        await mm().calls.disconnect(modemPath);
        await mm().waitFor((s) => s.objects[bearer]?.[IFACE.bearer]?.Connected === false, {
          ...WAIT,
          what: 'disconnected via signals',
        });
        assert.ok(signals >= 3, `PropertiesChanged on the modem after restart: ${signals}`);
        assert.equal(mm().snapshot.generation, generation, 'no resync was needed');
        assert.equal(mm().snapshot.owner, owner);
        assert.deepEqual([...senders], [owner]);
      } finally {
        mm().off('properties-changed', onChange);
      }
    });
  });
}
