/**
 * The call recorder: every method call the simulator receives is recorded with its time, path,
 * interface, member and unwrapped arguments; state-changing calls can be counted and filtered,
 * which is what later e2e tests use to assert "zero calls" or "only modem A was touched".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStateChanging } from '../../src/mmsim/recorder.js';
import { I, MM, startFixture, V } from './raw-client.js';

test('records calls with unwrapped args; counts and filters state-changing calls per modem', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const a = sim.addModem({ id: 'A' });
  const b = sim.addModem({ id: 'B' });
  const rec = sim.recorder;
  rec.clear();
  const t0 = Date.now();

  // Reads only: nothing state-changing.
  await client.managedObjects();
  await client.getAll(a, I.modem);
  await client.get(b, I.modem, 'State');
  await client.call(a, I.simple, 'GetStatus');
  await client.call(a, I.profiles, 'List');
  await client.call(a, I.location, 'GetLocation');
  await client.call(a, I.modem, 'ListBearers');
  await client.call(a, 'org.freedesktop.DBus.Introspectable', 'Introspect');
  assert.equal(rec.calls().length, 8);
  assert.equal(rec.countStateChanging(), 0, 'reads are not state-changing');

  const mark = rec.mark();
  await client.call(a, I.modem, 'Enable', 'b', [true]);
  await client.call(a, I.signal, 'Setup', 'u', [18]);
  await client.call(a, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('internet'), 'ip-type': V.u(1) }]);
  await client.callFails(a, I.modem, 'SetPowerState', 'u', [2]); // refused calls still count: the agent tried
  await client.call(MM, I.manager, 'SetLogging', 's', ['INFO']);

  const changing = rec.stateChangingCalls({ since: mark });
  assert.deepEqual(
    changing.map((c) => `${c.interface.split('.').pop()}.${c.member}`),
    ['Modem.Enable', 'Signal.Setup', 'Simple.Connect', 'Modem.SetPowerState', 'ModemManager1.SetLogging'],
  );
  const connect = changing[2];
  assert.ok(connect);
  assert.equal(connect.path, a);
  assert.equal(connect.interface, I.simple);
  assert.equal(connect.signature, 'a{sv}');
  assert.deepEqual(connect.args, [{ apn: 'internet', 'ip-type': 1 }], 'Variants are unwrapped');
  assert.ok(connect.time >= t0 && connect.time <= Date.now());
  assert.match(connect.sender, /^:\d+\.\d+$/);

  assert.equal(rec.countStateChanging({ pathPrefix: b }), 0, 'modem B was not touched');
  assert.deepEqual(rec.touchedPaths(), [MM, a].sort());
  assert.equal(rec.countStateChanging({ path: a, interface: I.modem }), 2);
  assert.equal(rec.calls({ member: 'Get' }).length, 1);
  assert.equal(rec.calls({ pathPrefix: '/org/freedesktop/ModemManager1/Modem' }).length > 0, true);

  rec.clear();
  assert.equal(rec.calls().length, 0);
});

test('isStateChanging: only the read-only members are excluded', () => {
  for (const m of ['Get', 'GetAll', 'GetManagedObjects', 'Introspect', 'GetStatus', 'List', 'GetLocation']) {
    assert.equal(isStateChanging({ member: m }), false, m);
  }
  for (const m of [
    'Enable',
    'Connect',
    'Disconnect',
    'Setup',
    'Scan',
    'SetPowerState',
    'ScanDevices',
    'Set',
  ]) {
    assert.equal(isStateChanging({ member: m }), true, m);
  }
});
