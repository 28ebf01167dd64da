/**
 * Fault injection: connect failure with a given MM error name, bearer drop, registration loss,
 * SIM removed, unplug / replug under a new path, slot switch re-probe, a hanging call, and a
 * ModemManager restart (bus name released and re-taken by a new unique name).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModemSpec } from '../../src/mmsim/types.js';
import { I, MM, sleep, startFixture, until, V } from './raw-client.js';

const E = 'org.freedesktop.ModemManager1.Error';
const SPEC: ModemSpec = {
  id: 'A',
  network: { registration: 'home', operatorCode: '00101', operatorName: 'SimNet' },
  bearer: { ipv4: { address: '10.64.64.10', prefix: 32, dns: ['10.11.12.13'] } },
};
const APN = [{ apn: V.s('internet'), 'ip-type': V.u(1) }];

test('failNextConnect: Connect fails with exactly that error; ConnectionError set; the next one succeeds', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(SPEC);
  sim.failNextConnect('A', `${E}.MobileEquipment.MissingOrUnknownApn`, 'Missing or unknown APN');
  const err = await client.callFails(path, I.simple, 'Connect', 'a{sv}', APN);
  assert.equal(err.type, `${E}.MobileEquipment.MissingOrUnknownApn`);
  assert.equal(err.text, 'Missing or unknown APN');
  const [bearerPath] = (await client.get(path, I.modem, 'Bearers')) as string[];
  const b = await client.getAll(bearerPath as string, I.bearer);
  assert.equal(b.Connected, false);
  assert.deepEqual(b.ConnectionError, [`${E}.MobileEquipment.MissingOrUnknownApn`, 'Missing or unknown APN']);
  assert.equal(await client.get(path, I.modem, 'State'), 8, 'back to registered');
  const [again] = await client.call(path, I.simple, 'Connect', 'a{sv}', APN);
  assert.equal(again, bearerPath);
  const ok = await client.getAll(bearerPath as string, I.bearer);
  assert.equal(ok.Connected, true);
  assert.deepEqual(ok.ConnectionError, ['', '']);
  const stats = ok.Stats as Record<string, unknown>;
  assert.equal(stats.attempts, 2);
  assert.equal(stats['failed-attempts'], 1);
});

test('dropBearer: Connected=false with ConnectionError, straight back to registered (no disconnecting)', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(SPEC);
  const [bearer] = await client.call(path, I.simple, 'Connect', 'a{sv}', APN);
  const from = client.signals.length;
  assert.deepEqual(sim.dropBearer('A', `${E}.Connection.NoCarrier`, 'carrier lost'), [bearer]);
  const pc = await client.waitSignal(
    (s) =>
      s.path === bearer &&
      s.member === 'PropertiesChanged' &&
      (s.args[1] as Record<string, unknown>).Connected === false,
    from,
  );
  assert.deepEqual((pc.args[1] as Record<string, unknown>).ConnectionError, [
    `${E}.Connection.NoCarrier`,
    'carrier lost',
  ]);
  const sc = await client.waitSignal((s) => s.path === path && s.member === 'StateChanged', from);
  assert.deepEqual(sc.args, [11, 8, 1], 'reason USER_REQUESTED: what MM 1.20 sends here (kit)');
  const scIndex = client.signals.indexOf(sc);
  assert.ok(scIndex < client.signals.indexOf(pc), 'modem state before the bearer change, as MM does');
  assert.deepEqual((await client.getAll(bearer as string, I.bearer)).Ip4Config, { method: 0 });
  assert.deepEqual(sim.dropBearer('A'), [], 'nothing left to drop');
});

test('registration loss: idle/searching states, deferred bearer drop, re-registration', async (t) => {
  const f = await startFixture(t, { timing: { deferredUnregistration: 400 } });
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(SPEC);
  const [bearer] = await client.call(path, I.simple, 'Connect', 'a{sv}', APN);
  sim.setRegistration('A', { registration: 'idle' });
  const g = await client.getAll(path, I.m3gpp);
  assert.equal(g.RegistrationState, 0);
  assert.equal(g.OperatorCode, '');
  assert.equal(g.PacketServiceState, 1);
  assert.equal(await client.get(path, I.modem, 'State'), 11, 'MM keeps CONNECTED until the bearer goes');
  await until(
    async () => (await client.getAll(bearer as string, I.bearer)).Connected === false,
    'deferred drop',
  );
  assert.deepEqual((await client.getAll(bearer as string, I.bearer)).ConnectionError, [
    `${E}.MobileEquipment.NoNetwork`,
    'Not registered in the network',
  ]);
  assert.equal(await client.get(path, I.modem, 'State'), 6);
  sim.setRegistration('A', { registration: 'searching' });
  assert.equal(await client.get(path, I.modem, 'State'), 7);
  assert.equal(await client.get(path, I.m3gpp, 'RegistrationState'), 2);
  sim.setRegistration('A', { registration: 'roaming', operatorCode: '00201', operatorName: 'Roam' });
  assert.equal(await client.get(path, I.modem, 'State'), 8);
  assert.equal(await client.get(path, I.m3gpp, 'RegistrationState'), 5);
  assert.equal(await client.get(path, I.m3gpp, 'OperatorCode'), '00201');
});

test('Connect while unregistered waits for registration, or fails with NetworkTimeout', async (t) => {
  const f = await startFixture(t, { timing: { registrationWait: 150 } });
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ ...SPEC, network: { ...SPEC.network, registration: 'searching' } });
  const timedOut = await client.callFails(path, I.simple, 'Connect', 'a{sv}', APN);
  assert.equal(timedOut.type, `${E}.MobileEquipment.NetworkTimeout`);
  sim.setTiming({ registrationWait: 5000 }); // the rest must not race the timeout on a slow machine
  const pending = client.call(path, I.simple, 'Connect', 'a{sv}', APN);
  await sleep(30);
  const busy = await client.callFails(path, I.simple, 'Connect', 'a{sv}', APN);
  assert.equal(busy.type, `${E}.Core.InProgress`);
  sim.setRegistration('A', { registration: 'home' });
  const [bearer] = await pending;
  assert.equal((await client.getAll(bearer as string, I.bearer)).Connected, true);
});

test('SIM removed: Sim "/", FAILED with SIM_MISSING, SIM object gone, Connect refused; inserted again', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(SPEC);
  const [bearer] = await client.call(path, I.simple, 'Connect', 'a{sv}', APN);
  const simPath = (await client.get(path, I.modem, 'Sim')) as string;
  assert.notEqual(simPath, '/');
  sim.removeSim('A');
  const m = await client.getAll(path, I.modem);
  assert.equal(m.Sim, '/');
  assert.equal(m.State, -1);
  assert.equal(m.StateFailedReason, 2);
  assert.deepEqual((await client.getAll(bearer as string, I.bearer)).ConnectionError, [
    `${E}.MobileEquipment.SimNotInserted`,
    'SIM not inserted',
  ]);
  const gone = await client.callFails(simPath, I.props, 'GetAll', 's', [I.sim]);
  assert.match(gone.type, /^org\.freedesktop\.DBus\.Error\./);
  assert.equal(
    (await client.callFails(path, I.simple, 'Connect', 'a{sv}', APN)).type,
    `${E}.Core.WrongState`,
  );
  assert.equal((await client.callFails(path, I.modem, 'Enable', 'b', [true])).type, `${E}.Core.WrongState`);
  const newSim = sim.insertSim('A', { iccid: '8999' });
  assert.notEqual(newSim, simPath);
  assert.equal(await client.get(path, I.modem, 'State'), 3);
  assert.equal(await client.get(newSim, I.sim, 'SimIdentifier'), '8999');
});

test('unplug → InterfacesRemoved and gone; replug → InterfacesAdded under a NEW path, disabled again', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(SPEC);
  const other = sim.addModem({ id: 'B' });
  const [bearer] = await client.call(path, I.simple, 'Connect', 'a{sv}', APN);
  const from = client.signals.length;
  sim.unplug('A');
  const removed = await client.waitSignal(
    (s) => s.member === 'InterfacesRemoved' && s.args[0] === path,
    from,
  );
  assert.ok((removed.args[1] as string[]).includes(I.modem));
  assert.deepEqual(Object.keys(await client.managedObjects()), [other]);
  assert.match(
    (await client.callFails(bearer as string, I.props, 'GetAll', 's', [I.bearer])).type,
    /DBus\.Error/,
  );
  const newPath = sim.replug('A');
  assert.equal(newPath, '/org/freedesktop/ModemManager1/Modem/2');
  const added = await client.waitSignal((s) => s.member === 'InterfacesAdded' && s.args[0] === newPath, from);
  const ifaces = added.args[1] as Record<string, Record<string, unknown>>;
  assert.equal(ifaces[I.modem]?.State, 3);
  assert.ok(
    ifaces[I.simple] && ifaces[I.m3gpp] && ifaces[I.signal] && ifaces[I.location] && ifaces[I.profiles],
  );
  assert.deepEqual(Object.keys(await client.managedObjects()).sort(), [other, newPath].sort());
  assert.equal(sim.pathOf('A'), newPath);
});

test('ReportKernelEvent remove/add of a port unplugs and re-probes the modem (as the real-MM kit does)', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({
    ...SPEC,
    ports: [
      { name: 'ttyHS0', type: 'at' },
      { name: 'wwan0', type: 'net' },
    ],
  });
  const ev = (action: string, name: string, subsystem: string) => [
    { action: V.s(action), name: V.s(name), subsystem: V.s(subsystem) },
  ];
  await client.call(MM, I.manager, 'ReportKernelEvent', 'a{sv}', ev('remove', 'wwan0', 'net'));
  assert.deepEqual(await client.managedObjects(), {});
  await client.call(MM, I.manager, 'ReportKernelEvent', 'a{sv}', ev('add', 'ttyHS0', 'tty'));
  await client.call(MM, I.manager, 'ReportKernelEvent', 'a{sv}', ev('add', 'wwan0', 'net'));
  const objs = await until(async () => {
    const o = Object.keys(await client.managedObjects());
    return o.length > 0 ? o : undefined;
  }, 're-probed modem');
  assert.equal(objs.length, 1, 'one modem, not one per port event');
  assert.notEqual(objs[0], path);
});

test('SetPrimarySimSlot re-probes: the modem comes back under a new path with the other SIM active', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ ...SPEC, simSlots: [{ iccid: 'slot1' }, { iccid: 'slot2', type: 'esim' }] });
  const m = await client.getAll(path, I.modem);
  assert.equal(m.PrimarySimSlot, 1);
  assert.equal((m.SimSlots as string[]).length, 2);
  assert.equal(await client.get((m.SimSlots as string[])[1] as string, I.sim, 'Active'), false);
  assert.equal(
    (await client.callFails(path, I.modem, 'SetPrimarySimSlot', 'u', [3])).type,
    `${E}.Core.InvalidArgs`,
  );
  const from = client.signals.length;
  await client.call(path, I.modem, 'SetPrimarySimSlot', 'u', [2]);
  await client.waitSignal((s) => s.member === 'InterfacesRemoved' && s.args[0] === path, from);
  const added = await client.waitSignal((s) => s.member === 'InterfacesAdded', from);
  const newPath = added.args[0] as string;
  assert.notEqual(newPath, path);
  const n = await client.getAll(newPath, I.modem);
  assert.equal(n.PrimarySimSlot, 2);
  assert.equal(await client.get(n.Sim as string, I.sim, 'SimIdentifier'), 'slot2');
  assert.equal(await client.get(n.Sim as string, I.sim, 'Active'), true);
  assert.equal(await client.get(n.Sim as string, I.sim, 'SimType'), 2);
  const single = sim.addModem({ id: 'S' });
  assert.equal(
    (await client.callFails(single, I.modem, 'SetPrimarySimSlot', 'u', [1])).type,
    `${E}.Core.Unsupported`,
  );
});

test('hangCall: the call is received and recorded but never answered; later calls are answered', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(SPEC);
  sim.hangCall('GetStatus', { interface: I.simple });
  let settled = false;
  const hung = client.call(path, I.simple, 'GetStatus').finally(() => {
    settled = true;
  });
  hung.catch(() => {});
  await sleep(300);
  assert.equal(settled, false, 'no reply within 300 ms');
  assert.equal(sim.recorder.calls({ member: 'GetStatus' }).length, 1);
  const [status] = await client.call(path, I.simple, 'GetStatus');
  assert.equal((status as Record<string, unknown>).state, 3, 'only one call hangs by default');
  assert.equal(settled, false);
});

test('restart: name released (NameOwnerChanged to ""), re-taken by a new unique name; modems re-listed from index 0', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(SPEC);
  sim.unplug('A');
  sim.replug('A'); // now Modem/1
  assert.equal(sim.pathOf('A'), '/org/freedesktop/ModemManager1/Modem/1');
  await client.call(sim.pathOf('A'), I.simple, 'Connect', 'a{sv}', APN);
  const oldOwner = await client.nameOwner();
  assert.equal(oldOwner, sim.uniqueName);
  const from = client.signals.length;
  await sim.restart({ downtimeMs: 30 });
  // restart() resolves on our RequestName reply; the client's copy of the signal may still be in flight.
  await client.waitSignal(
    (s) =>
      s.member === 'NameOwnerChanged' &&
      s.args[0] === 'org.freedesktop.ModemManager1' &&
      s.args[2] === sim.uniqueName,
    from,
  );
  const noc = client
    .find((s) => s.member === 'NameOwnerChanged' && s.args[0] === 'org.freedesktop.ModemManager1', from)
    .map((s) => s.args);
  assert.deepEqual(noc, [
    ['org.freedesktop.ModemManager1', oldOwner, ''],
    ['org.freedesktop.ModemManager1', '', sim.uniqueName],
  ]);
  assert.notEqual(sim.uniqueName, oldOwner);
  assert.equal(await client.nameOwner(), sim.uniqueName);
  assert.deepEqual(Object.keys(await client.managedObjects()), [path]);
  assert.equal(await client.get(path, I.modem, 'State'), 3, 're-probed modems start disabled');
  // Signals come from the new owner.
  const mark = client.signals.length;
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  const sc = await client.waitSignal((s) => s.member === 'StateChanged' && s.path === path, mark);
  assert.equal(sc.sender, sim.uniqueName);
  // keepObjects: same paths and states survive.
  await until(async () => (await client.get(path, I.modem, 'State')) === 8, 'registered');
  await sim.restart({ keepObjects: true });
  assert.equal(await client.get(path, I.modem, 'State'), 8);
});

test('a restart while a modem is being re-probed brings that modem back too', async (t) => {
  const f = await startFixture(t, { timing: { probe: 300 } });
  if (!f) return;
  const { sim, client } = f;
  sim.addModem({ ...SPEC, simSlots: [{ iccid: 's1' }, { iccid: 's2' }] });
  await client.call(sim.pathOf('A'), I.modem, 'SetPrimarySimSlot', 'u', [2]);
  await until(
    async () => Object.keys(await client.managedObjects()).length === 0,
    'the modem gone for re-probe',
  );
  await sim.restart();
  const paths = await until(async () => {
    const p = Object.keys(await client.managedObjects());
    return p.length > 0 ? p : undefined;
  }, 'the modem after restart');
  assert.deepEqual(paths, ['/org/freedesktop/ModemManager1/Modem/0']);
  assert.equal(await client.get(paths[0] as string, I.modem, 'PrimarySimSlot'), 2, 'the switch survived');
  await sleep(400); // the cancelled probe must not add a second copy
  assert.equal(Object.keys(await client.managedObjects()).length, 1);
});
