import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DBusAbortedError,
  DBusCallError,
  DBusDisconnectedError,
  DBusTimeoutError,
} from '../../src/dbus/index.js';
import {
  classify,
  classifyName,
  LOCAL_TIMEOUT,
  MMError,
  ModemManagerError,
  toModemManagerError,
} from '../../src/modemmanager/index.js';

test('MM error names are classified for the reconciler', () => {
  assert.equal(classifyName('org.freedesktop.ModemManager1.Error.MobileEquipment.SimNotInserted'), 'sim');
  assert.equal(classifyName(MMError.SimPin), 'sim');
  assert.equal(classifyName(MMError.CoreWrongState), 'state');
  assert.equal(classifyName(MMError.CoreInProgress), 'transient');
  assert.equal(classifyName(MMError.CoreUnsupported), 'config');
  assert.equal(classifyName(MMError.MissingOrUnknownApn), 'config');
  assert.equal(classifyName(MMError.CoreUnauthorized), 'permission');
  assert.equal(classifyName(MMError.CoreFailed), 'unknown');
  // families not listed one by one
  assert.equal(classifyName('org.freedesktop.ModemManager1.Error.Connection.Busy'), 'transient');
  assert.equal(
    classifyName('org.freedesktop.ModemManager1.Error.MobileEquipment.GprsPlmnNotAllowed'),
    'transient',
  );
  assert.equal(classifyName('org.freedesktop.DBus.Error.ServiceUnknown'), 'gone');
  assert.equal(classifyName('org.freedesktop.DBus.Error.NoReply'), 'transient');
  assert.equal(classifyName('com.example.Whatever'), 'unknown');
});

test('adapter errors become ModemManagerErrors that keep the D-Bus error name verbatim', () => {
  const name = 'org.freedesktop.ModemManager1.Error.MobileEquipment.SimNotInserted';
  const e = toModemManagerError(new DBusCallError(name, 'SIM not inserted', 'x.Enable'), 'x.Enable');
  assert.ok(e instanceof ModemManagerError);
  assert.equal(e.errorName, name);
  assert.equal(e.text, 'SIM not inserted');
  assert.equal(e.errorClass, 'sim');
  assert.equal(classify(e), 'sim');
  assert.match(e.message, /SimNotInserted: SIM not inserted/);

  const t = toModemManagerError(new DBusTimeoutError('x.Connect', 200_000), 'x.Connect');
  assert.ok(t instanceof ModemManagerError);
  assert.equal(t.errorName, LOCAL_TIMEOUT);
  assert.equal(classify(t), 'transient');
  assert.equal(classify(toModemManagerError(new DBusDisconnectedError('m'), 'm')), 'transient');
  assert.equal(classify(toModemManagerError(new DBusAbortedError('m'), 'm')), 'cancelled');
  // raw adapter errors classify the same way
  assert.equal(classify(new DBusCallError(MMError.CoreWrongState, '', 'm')), 'state');
  assert.equal(classify(new Error('other')), 'unknown');
  const other = new Error('not ours');
  assert.equal(toModemManagerError(other, 'm'), other);
});
