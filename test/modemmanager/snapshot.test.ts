import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  emptySnapshot,
  fromManagedObjects,
  IFACE,
  interfacesAdded,
  interfacesRemoved,
  ModemState,
  modemPaths,
  modems,
  propertiesChanged,
  propsOf,
  vanished,
} from '../../src/modemmanager/index.js';
import { missingObjects, pruneUnreferenced } from '../../src/modemmanager/snapshot.js';

const M0 = '/org/freedesktop/ModemManager1/Modem/0';
const M1 = '/org/freedesktop/ModemManager1/Modem/1';
const SIM0 = '/org/freedesktop/ModemManager1/SIM/0';
const B0 = '/org/freedesktop/ModemManager1/Bearer/0';

// shaped like real ModemManager 1.20's GetManagedObjects, unwrapped
const managed = {
  [M0]: {
    [IFACE.modem]: {
      State: 3,
      Sim: SIM0,
      Bearers: [],
      Manufacturer: 'Simulated Modems Inc.',
      Ports: [['wwan0', 2]],
    },
    [IFACE.modem3gpp]: { RegistrationState: 4, OperatorCode: '', InitialEpsBearer: '/' },
    [IFACE.simple]: {},
  },
};

const base = () => fromManagedObjects(emptySnapshot(), managed, { owner: ':1.5', version: '1.20.4' });

test('GetManagedObjects builds a frozen, typed tree', () => {
  const s = base();
  assert.equal(s.owner, ':1.5');
  assert.equal(s.version, '1.20.4');
  assert.equal(s.generation, 1);
  assert.deepEqual(modemPaths(s), [M0]);
  assert.equal(propsOf(s, M0, IFACE.modem)?.State, ModemState.Disabled);
  assert.ok(
    Object.isFrozen(s) && Object.isFrozen(s.objects) && Object.isFrozen(s.objects[M0]?.[IFACE.modem]),
  );
  assert.throws(() => {
    (s.objects as Record<string, unknown>)[M1] = {};
  }, TypeError);
});

test('PropertiesChanged updates one interface and shares everything else', () => {
  const s = base();
  const n = propertiesChanged(s, M0, IFACE.modem, { State: 8 });
  assert.notEqual(n, s);
  assert.equal(propsOf(n, M0, IFACE.modem)?.State, 8);
  assert.equal(propsOf(s, M0, IFACE.modem)?.State, 3, 'the old snapshot is untouched');
  assert.equal(n.objects[M0]?.[IFACE.modem3gpp], s.objects[M0]?.[IFACE.modem3gpp], 'structural sharing');
  // invalidated properties disappear
  const inv = propertiesChanged(n, M0, IFACE.modem, {}, ['Manufacturer']);
  assert.equal(propsOf(inv, M0, IFACE.modem)?.Manufacturer, undefined);
  // signals for unknown objects or interfaces are stale: ignored, same reference back
  assert.equal(propertiesChanged(s, M1, IFACE.modem, { State: 8 }), s);
  assert.equal(propertiesChanged(s, M0, IFACE.signal, { Rate: 5 }), s);
});

test('InterfacesAdded / InterfacesRemoved add and remove modems (re-plug under a new path)', () => {
  const s = base();
  const gone = interfacesRemoved(s, M0, [IFACE.modem, IFACE.modem3gpp, IFACE.simple]);
  assert.deepEqual(modemPaths(gone), []);
  assert.equal(gone.objects[M0], undefined);
  const back = interfacesAdded(gone, M1, { [IFACE.modem]: { State: 3 } });
  assert.deepEqual(modemPaths(back), [M1]);
  // partial removal keeps the object
  const partial = interfacesRemoved(s, M0, [IFACE.simple]);
  assert.deepEqual(Object.keys(partial.objects[M0] ?? {}).sort(), [IFACE.modem, IFACE.modem3gpp].sort());
  assert.equal(interfacesRemoved(s, M1, [IFACE.modem]), s);
  // modems sort by index, not as strings
  const many = interfacesAdded(interfacesAdded(s, `${M0.slice(0, -1)}10`, { [IFACE.modem]: {} }), M1, {
    [IFACE.modem]: {},
  });
  assert.deepEqual(modemPaths(many), [M0, M1, `${M0.slice(0, -1)}10`]);
});

test('SIM and bearer objects: missing ones are reported, unreferenced ones pruned, views resolve them', () => {
  let s = base();
  assert.deepEqual([...missingObjects(s)], [[SIM0, IFACE.sim]]);
  s = interfacesAdded(s, SIM0, { [IFACE.sim]: { Imsi: '001010123456789', Active: true } });
  s = propertiesChanged(s, M0, IFACE.modem, { Bearers: [B0] });
  assert.deepEqual([...missingObjects(s)], [[B0, IFACE.bearer]]);
  s = interfacesAdded(s, B0, {
    [IFACE.bearer]: {
      Interface: 'wwan0',
      Connected: true,
      Ip4Config: { method: 2, address: '10.64.64.10', prefix: 32 },
    },
  });
  assert.equal(missingObjects(s).size, 0);
  const view = modems(s)[0];
  assert.equal(view?.sim?.props.Imsi, '001010123456789');
  assert.equal(view?.bearers[0]?.props.Ip4Config?.address, '10.64.64.10');
  assert.equal(pruneUnreferenced(s), s, 'nothing to prune');
  // DeleteBearer: the modem stops referencing it, the bearer object goes
  const deleted = pruneUnreferenced(propertiesChanged(s, M0, IFACE.modem, { Bearers: [] }));
  assert.equal(deleted.objects[B0], undefined);
  assert.ok(deleted.objects[SIM0]);
  // modem unplugged: its SIM goes too
  const unplugged = pruneUnreferenced(interfacesRemoved(s, M0, [IFACE.modem, IFACE.modem3gpp, IFACE.simple]));
  assert.deepEqual(Object.keys(unplugged.objects), []);
});

test('vanished clears the tree; a resync from another owner bumps the generation', () => {
  const s = base();
  const v = vanished(s);
  assert.equal(v.owner, undefined);
  assert.equal(v.version, undefined);
  assert.deepEqual(v.objects, {});
  const again = fromManagedObjects(v, managed, { owner: ':1.9', version: '1.20.4' });
  assert.equal(again.owner, ':1.9');
  assert.equal(again.generation, 2);
});

test('property values of the wrong type are reported and left out; a PropertiesChanged keeps the last good value', () => {
  const seen: string[] = [];
  const onIgnored = (x: { path: string; iface: string; property: string; expected: string; got: string }) =>
    seen.push(`${x.path} ${x.property}: expected ${x.expected}, got ${x.got}`);
  const s = fromManagedObjects(
    emptySnapshot(),
    {
      [M0]: {
        [IFACE.modem]: { State: 3, EquipmentIdentifier: 42, Ports: [], SignalQuality: [1e9, true] },
      },
    },
    { owner: ':1.5', version: '1.20.4' },
    onIgnored,
  );
  const m = propsOf(s, M0, IFACE.modem);
  assert.equal(m?.EquipmentIdentifier, undefined, 'left out');
  assert.deepEqual(m?.Ports, [], 'an empty list is a list');
  assert.deepEqual(m?.SignalQuality, [1e9, true], 'absurd but of the right type: kept');
  const n = propertiesChanged(
    s,
    M0,
    IFACE.modem,
    { State: 'connected', Bearers: 'not-a-list', Manufacturer: 'X', Unknown: { any: 'thing' } },
    [],
    onIgnored,
  );
  const after = propsOf(n, M0, IFACE.modem);
  assert.equal(after?.State, 3, 'the last good State stays');
  assert.equal(after?.Bearers, undefined);
  assert.equal(after?.Manufacturer, 'X');
  assert.deepEqual(after?.Unknown, { any: 'thing' }, 'properties nothing reads pass as they are');
  assert.deepEqual(missingObjects(n).size, 0);
  assert.deepEqual(seen, [
    `${M0} EquipmentIdentifier: expected s, got 42`,
    `${M0} State: expected i, got "connected"`,
    `${M0} Bearers: expected ao, got "not-a-list"`,
  ]);
  const b = interfacesAdded(
    n,
    B0,
    { [IFACE.bearer]: { Connected: 'yes', Ip4Config: 'garbage', Interface: 'wwan0' } },
    onIgnored,
  );
  assert.deepEqual(propsOf(b, B0, IFACE.bearer), { Interface: 'wwan0' });
  assert.equal(seen.length, 5);
});
