/**
 * The simulator's modem state machine and the Modem/Manager/Signal/Location/3GPP/ProfileManager
 * members, driven over D-Bus by a raw dbus-next client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { I, MM, startFixture, until, V } from './raw-client.js';

const E = 'org.freedesktop.ModemManager1.Error.Core';
const NET = { registration: 'home', operatorCode: '00101', operatorName: 'SimNet' } as const;

test('Enable: disabled → enabling → enabled → searching → registered, with StateChanged and PropertiesChanged', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({
    sim: { iccid: '1' },
    network: { ...NET, accessTechnologies: ['lte'] },
    powerState: 'low',
  });
  assert.equal(await client.get(path, I.modem, 'State'), 3);
  const from = client.signals.length;
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  await until(async () => (await client.get(path, I.modem, 'State')) === 8, 'registered');
  const changes = client.find((s) => s.path === path && s.member === 'StateChanged', from).map((s) => s.args);
  assert.deepEqual(changes, [
    [3, 5, 1],
    [5, 6, 1],
    [6, 7, 0],
    [7, 8, 0],
  ]);
  const stateProps = client
    .find((s) => s.path === path && s.member === 'PropertiesChanged' && s.args[0] === I.modem, from)
    .map((s) => (s.args[1] as Record<string, unknown>).State)
    .filter((x) => x !== undefined);
  assert.deepEqual(stateProps, [5, 6, 7, 8]);
  const g = await client.getAll(path, I.m3gpp);
  assert.equal(g.RegistrationState, 1);
  assert.equal(g.OperatorCode, '00101');
  assert.equal(g.OperatorName, 'SimNet');
  assert.equal(g.PacketServiceState, 2);
  const m = await client.getAll(path, I.modem);
  assert.equal(m.PowerState, 3, 'enabling powers the radio on');
  assert.equal(m.AccessTechnologies, 1 << 14);
  assert.deepEqual(m.SignalQuality, [80, true]);

  // Enable again is a no-op; disable goes through disabling and clears registration.
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  const mark = client.signals.length;
  await client.call(path, I.modem, 'Enable', 'b', [false]);
  assert.deepEqual(
    client.find((s) => s.path === path && s.member === 'StateChanged', mark).map((s) => s.args),
    [
      [8, 4, 1],
      [4, 3, 1],
    ],
  );
  const g2 = await client.getAll(path, I.m3gpp);
  assert.equal(g2.RegistrationState, 4);
  assert.equal(g2.OperatorCode, '');
  assert.deepEqual(
    await client.get(path, I.modem, 'SignalQuality'),
    [0, true],
    'as the kit shows after disable',
  );
  assert.equal(g2.PacketServiceState, 1);
});

test('SetPowerState only while disabled; invalid values are InvalidArgs', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ sim: { iccid: '1' } });
  const from = client.signals.length;
  await client.call(path, I.modem, 'SetPowerState', 'u', [2]);
  assert.equal(await client.get(path, I.modem, 'PowerState'), 2);
  await client.waitSignal(
    (s) => s.member === 'PropertiesChanged' && (s.args[1] as Record<string, unknown>).PowerState === 2,
    from,
  );
  assert.equal((await client.callFails(path, I.modem, 'SetPowerState', 'u', [7])).type, `${E}.InvalidArgs`);
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  const err = await client.callFails(path, I.modem, 'SetPowerState', 'u', [1]);
  assert.equal(err.type, `${E}.WrongState`);
  assert.equal(err.text, 'Cannot set power state: not in disabled or failed state');
});

test('a PIN-locked SIM: LOCKED, Enable refused, SendPin wrong/right', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ sim: { iccid: '1', pin: '1234' } });
  const m = await client.getAll(path, I.modem);
  assert.equal(m.State, 2);
  assert.equal(m.UnlockRequired, 2);
  assert.deepEqual(m.UnlockRetries, { 2: 3, 4: 10 }, 'a{uu} marshals (dbus-next uint32-key fix)');
  assert.equal((await client.callFails(path, I.modem, 'Enable', 'b', [true])).type, `${E}.WrongState`);
  const simPath = m.Sim as string;
  const wrong = await client.callFails(simPath, I.sim, 'SendPin', 's', ['0000']);
  assert.equal(wrong.type, 'org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword');
  await client.call(simPath, I.sim, 'SendPin', 's', ['1234']);
  assert.equal(await client.get(path, I.modem, 'State'), 3);
  assert.equal(await client.get(path, I.modem, 'UnlockRequired'), 1);
  assert.deepEqual(await client.get(path, I.modem, 'UnlockRetries'), {});
});

test('SetCurrentModes accepts only SupportedModes combinations', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({
    supportedModes: [
      [14, 0],
      [14, 8],
      [8, 0],
    ],
    currentModes: [14, 0],
  });
  await client.call(path, I.modem, 'SetCurrentModes', '(uu)', [[14, 8]]);
  assert.deepEqual(await client.get(path, I.modem, 'CurrentModes'), [14, 8]);
  const err = await client.callFails(path, I.modem, 'SetCurrentModes', '(uu)', [[16, 0]]);
  assert.equal(err.type, `${E}.Unsupported`);
  assert.deepEqual(await client.get(path, I.modem, 'CurrentModes'), [14, 8]);
});

test('Signal: dictionaries only after Setup(rate > 0) while enabled; setSignal updates them', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({
    id: 'A',
    signal: { lte: { rssi: -65, rsrq: -10, rsrp: -91, snr: 12.5 }, nr5g: { rsrp: -80 } },
    network: NET,
  });
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  assert.deepEqual(await client.get(path, I.signal, 'Lte'), {});
  await client.call(path, I.signal, 'Setup', 'u', [18]);
  const s = await client.getAll(path, I.signal);
  assert.equal(s.Rate, 18);
  assert.deepEqual(s.Lte, { rssi: -65, rsrq: -10, rsrp: -91, snr: 12.5 });
  assert.deepEqual(s.Nr5g, { rsrp: -80 });
  assert.deepEqual(s.Gsm, {});
  const raw = await client.getAllRaw(path, I.signal);
  assert.equal((raw.Lte?.value as Record<string, { signature: string }> | undefined)?.rssi?.signature, 'd');
  const from = client.signals.length;
  sim.setSignal('A', 'lte', { rssi: -90, rsrp: -110 });
  const pc = await client.waitSignal((x) => x.member === 'PropertiesChanged' && x.args[0] === I.signal, from);
  assert.deepEqual((pc.args[1] as Record<string, unknown>).Lte, { rssi: -90, rsrp: -110 });
  await client.call(path, I.signal, 'Setup', 'u', [0]);
  assert.deepEqual(await client.get(path, I.signal, 'Lte'), {});
});

test('Location: Setup, GetLocation (a{uv}), Location property when signalled, SetGpsRefreshRate', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({
    id: 'A',
    location: {
      gps: { latitude: 50.1, longitude: 14.4, altitude: 200, utcTime: '120000.00' },
      lacCi: '001,01,0,1A,2B',
    },
  });
  assert.equal(await client.get(path, I.location, 'Capabilities'), 7);
  const bad = await client.callFails(path, I.location, 'Setup', 'ub', [16 | 64, false]);
  assert.equal(bad.type, `${E}.Unsupported`);
  assert.equal(bad.text, "Cannot enable unsupported location sources: 'gps-unmanaged, agps-msb'");
  await client.call(path, I.location, 'Setup', 'ub', [2, true]);
  const [loc] = await client.call(path, I.location, 'GetLocation');
  assert.deepEqual(loc, { 2: { 'utc-time': '120000.00', latitude: 50.1, longitude: 14.4, altitude: 200 } });
  const l = await client.getAll(path, I.location);
  assert.equal(l.Enabled, 2);
  assert.equal(l.SignalsLocation, true);
  assert.deepEqual(l.Location, loc);
  const from = client.signals.length;
  sim.setLocation('A', { gps: { latitude: 1, longitude: 2 } });
  const pc = await client.waitSignal(
    (x) => x.member === 'PropertiesChanged' && x.args[0] === I.location,
    from,
  );
  assert.equal(
    (pc.args[1] as Record<string, Record<string, Record<string, number>>>).Location?.[2]?.latitude,
    1,
  );
  await client.call(path, I.location, 'Setup', 'ub', [3, false]);
  const [both] = await client.call(path, I.location, 'GetLocation');
  assert.equal((both as Record<string, unknown>)[1], '001,01,0,1A,2B');
  assert.deepEqual(await client.get(path, I.location, 'Location'), {});
  await client.call(path, I.location, 'SetGpsRefreshRate', 'u', [10]);
  assert.equal(await client.get(path, I.location, 'GpsRefreshRate'), 10);
});

test('Modem3gpp.Scan needs an enabled modem and returns the scripted networks; Register picks one', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ id: 'A', network: NET });
  assert.equal((await client.callFails(path, I.m3gpp, 'Scan')).type, `${E}.WrongState`);
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  sim.setScanResults('A', [
    { operatorCode: '00101', operatorLong: 'SimNet', status: 'current', accessTechnology: 'lte' },
    { operatorCode: '00102', operatorShort: 'Other', status: 'available' },
  ]);
  const [results] = await client.call(path, I.m3gpp, 'Scan');
  assert.deepEqual(results, [
    { 'operator-code': '00101', status: 2, 'operator-long': 'SimNet', 'access-technology': 1 << 14 },
    { 'operator-code': '00102', status: 1, 'operator-short': 'Other' },
  ]);
  await client.call(path, I.m3gpp, 'Register', 's', ['00102']);
  assert.equal(await client.get(path, I.m3gpp, 'OperatorCode'), '00102');
  const err = await client.callFails(path, I.m3gpp, 'Register', 's', ['99999']);
  assert.equal(err.type, 'org.freedesktop.ModemManager1.Error.MobileEquipment.NoNetwork');
});

test('ProfileManager.List and the Updated signal; SetInitialEpsBearerSettings validates and publishes', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({
    id: 'A',
    profiles: [{ profileId: 1, apn: 'internet', profileName: 'p1', ipType: 'ipv4' }],
  });
  const [list] = await client.call(path, I.profiles, 'List');
  assert.deepEqual(list, [{ 'profile-id': 1, apn: 'internet', 'ip-type': 1, 'profile-name': 'p1' }]);
  const from = client.signals.length;
  sim.setProfiles('A', [{ profileId: 2, apn: 'ims', apnType: 4 }]);
  await client.waitSignal(
    (s) => s.interface === I.profiles && s.member === 'Updated' && s.path === path,
    from,
  );
  const [list2] = await client.call(path, I.profiles, 'List');
  assert.equal((list2 as Record<string, unknown>[])[0]?.apn, 'ims');

  await client.call(path, I.m3gpp, 'SetInitialEpsBearerSettings', 'a{sv}', [
    { apn: V.s('attach'), 'ip-type': V.u(4) },
  ]);
  assert.deepEqual(await client.get(path, I.m3gpp, 'InitialEpsBearerSettings'), {
    apn: 'attach',
    'ip-type': 4,
  });
  const bad = await client.callFails(path, I.m3gpp, 'SetInitialEpsBearerSettings', 'a{sv}', [
    { apn: V.s('x'), 'allowed-auth': V.i(2) },
  ]);
  assert.equal(bad.type, `${E}.InvalidArgs`);
});

test('an initial EPS bearer (attach, BearerType 2) exists while registered on LTE when the modem has one', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ id: 'A', network: NET, initialEpsBearer: true });
  assert.equal(await client.get(path, I.m3gpp, 'InitialEpsBearer'), '/');
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  const eps = (await until(async () => {
    const p = await client.get(path, I.m3gpp, 'InitialEpsBearer');
    return p !== '/' ? p : undefined;
  }, 'initial EPS bearer')) as string;
  const b = await client.getAll(eps, I.bearer);
  assert.equal(b.BearerType, 2);
  assert.equal(b.Connected, true);
  assert.deepEqual(await client.get(path, I.modem, 'Bearers'), [], 'Bearers excludes the initial EPS bearer');
  sim.setRegistration('A', { registration: 'idle' });
  assert.equal(await client.get(path, I.m3gpp, 'InitialEpsBearer'), '/');
});

test('Manager: Version, SetLogging levels, ScanDevices, ReportKernelEvent validation', async (t) => {
  const f = await startFixture(t, { version: '1.22.0' });
  if (!f) return;
  const { sim, client } = f;
  assert.equal(await client.get(MM, I.manager, 'Version'), '1.22.0');
  await client.call(MM, I.manager, 'SetLogging', 's', ['DEBUG']);
  assert.equal(sim.logLevel, 'DEBUG');
  assert.equal((await client.callFails(MM, I.manager, 'SetLogging', 's', ['LOUD'])).type, `${E}.InvalidArgs`);
  await client.call(MM, I.manager, 'ScanDevices');
  const bad = await client.callFails(MM, I.manager, 'ReportKernelEvent', 'a{sv}', [
    { action: V.s('bounce') },
  ]);
  assert.equal(bad.type, `${E}.InvalidArgs`);
  const wrongSig = await client.callFails(MM, I.manager, 'SetLogging', 'u', [1]);
  assert.equal(wrongSig.type, 'org.freedesktop.DBus.Error.InvalidArgs', 'GDBus wording, as real MM');
  assert.equal(wrongSig.text, 'Type of message, “(u)”, does not match expected type “(s)”');
});

test('timing.search = 0: enabled → registered without searching (like the real-MM kit)', async (t) => {
  const f = await startFixture(t, { timing: { search: 0 } });
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ network: NET });
  const from = client.signals.length;
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  await until(async () => (await client.get(path, I.modem, 'State')) === 8, 'registered');
  assert.deepEqual(
    client.find((s) => s.path === path && s.member === 'StateChanged', from).map((s) => s.args),
    [
      [3, 5, 1],
      [5, 6, 1],
      [6, 8, 0],
    ],
  );
});
