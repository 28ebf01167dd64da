/**
 * Calls that reach no handler get GDBus's error names and wording, as ModemManager answers them
 * (each expected text below was observed on the real ModemManager 1.20 kit).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { I, MM, startFixture, V } from './raw-client.js';

test('unknown object, interface, method, property; wrong signature; Set on a read-only property', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ id: 'A' });
  const cases: [string, Promise<{ type: string; text: string }>, string, string][] = [
    [
      'Set read-only',
      client.callFails(path, I.props, 'Set', 'ssv', [I.modem, 'Model', V.s('x')]),
      'org.freedesktop.DBus.Error.InvalidArgs',
      'Property “Model” is not writable',
    ],
    [
      'GetAll unknown interface',
      client.callFails(path, I.props, 'GetAll', 's', ['org.example.Nope']),
      'org.freedesktop.DBus.Error.InvalidArgs',
      'No such interface “org.example.Nope”',
    ],
    [
      'Get unknown property',
      client.callFails(path, I.props, 'Get', 'ss', [I.modem, 'Nope']),
      'org.freedesktop.DBus.Error.InvalidArgs',
      'No such property “Nope”',
    ],
    [
      'unknown method',
      client.callFails(path, I.modem, 'Nope'),
      'org.freedesktop.DBus.Error.UnknownMethod',
      'No such method “Nope”',
    ],
    [
      'wrong signature',
      client.callFails(path, I.modem, 'Enable', 'u', [1]),
      'org.freedesktop.DBus.Error.InvalidArgs',
      'Type of message, “(u)”, does not match expected type “(b)”',
    ],
    [
      'unknown path',
      client.callFails(`${MM}/Modem/77`, I.modem, 'Enable', 'b', [true]),
      'org.freedesktop.DBus.Error.UnknownMethod',
      'Object does not exist at path “/org/freedesktop/ModemManager1/Modem/77”',
    ],
    [
      'GetAll on an unknown path',
      client.callFails(`${MM}/Modem/77`, I.props, 'GetAll', 's', [I.modem]),
      'org.freedesktop.DBus.Error.UnknownMethod',
      'Object does not exist at path “/org/freedesktop/ModemManager1/Modem/77”',
    ],
  ];
  for (const [what, call, type, text] of cases) {
    const err = await call;
    assert.equal(err.type, type, what);
    assert.equal(err.text, text, what);
  }
  assert.equal(await client.get(path, I.modem, 'Model'), 'SIM-LTE-1', 'the refused Set changed nothing');
  const simPath = (await client.get(path, I.modem, 'Sim')) as string;
  const pin = await client.callFails(simPath, I.sim, 'SendPin', 's', ['1234']);
  assert.equal(pin.type, 'org.freedesktop.ModemManager1.Error.Core.WrongState');
  assert.equal(pin.text, 'Cannot send PIN: device is not SIM-PIN locked');
  // Valid generic calls still work.
  assert.equal(((await client.getAll(path, I.modem)) as Record<string, unknown>).Model, 'SIM-LTE-1');
  await client.call(path, 'org.freedesktop.DBus.Peer', 'Ping');
});
