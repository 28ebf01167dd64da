/**
 * FIDELITY CHECK: introspect every object the live simulator exports and compare each interface,
 * method, argument (name, type, direction), property (name, type, access) and signal with
 * ModemManager's own introspection XML, installed by Debian's modemmanager-dev under
 * /usr/share/dbus-1/interfaces/. Anything the simulator exports must exist there with the same
 * signature. ObjectManager is compared with the D-Bus specification's definition.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareWithReference, type IntroInterface, parseIntrospection } from '../../src/mmsim/fidelity.js';
import { mmInterfaceSpecs } from '../../src/mmsim/spec.js';
import { inCI } from '../harness/require.js';
import { I, MM, startFixture, V } from './raw-client.js';

const XML_DIR = '/usr/share/dbus-1/interfaces';

/** org.freedesktop.DBus.ObjectManager as the D-Bus specification defines it. */
const OBJECT_MANAGER_XML = `<node><interface name="org.freedesktop.DBus.ObjectManager">
  <method name="GetManagedObjects">
    <arg name="objpath_interfaces_and_properties" type="a{oa{sa{sv}}}" direction="out"/>
  </method>
  <signal name="InterfacesAdded">
    <arg name="object_path" type="o"/><arg name="interfaces_and_properties" type="a{sa{sv}}"/>
  </signal>
  <signal name="InterfacesRemoved">
    <arg name="object_path" type="o"/><arg name="interfaces" type="as"/>
  </signal>
</interface></node>`;

/** Handled by dbus-next itself, identical for every service: not part of the ModemManager API. */
const GENERIC = new Set([
  'org.freedesktop.DBus.Properties',
  'org.freedesktop.DBus.Introspectable',
  'org.freedesktop.DBus.Peer',
]);

function referenceInterfaces(): Map<string, IntroInterface> {
  const ref = new Map<string, IntroInterface>();
  for (const f of readdirSync(XML_DIR).filter((n) => n.startsWith('org.freedesktop.ModemManager1'))) {
    for (const [name, i] of parseIntrospection(readFileSync(join(XML_DIR, f), 'utf8')).interfaces)
      ref.set(name, i);
  }
  for (const [name, i] of parseIntrospection(OBJECT_MANAGER_XML).interfaces) ref.set(name, i);
  return ref;
}

test('every interface, method, argument, property and signal the simulator exports matches MM 1.20 XML', async (t) => {
  if (!existsSync(join(XML_DIR, 'org.freedesktop.ModemManager1.Modem.xml'))) {
    const why = `needs ${XML_DIR}/org.freedesktop.ModemManager1*.xml (Debian package modemmanager-dev)`;
    if (inCI) throw new Error(`prerequisite missing in CI: ${why}`);
    t.skip(why);
    return;
  }
  const reference = referenceInterfaces();
  assert.ok(reference.size >= 20, `parsed ${reference.size} reference interfaces`);

  const f = await startFixture(t);
  if (!f) return;
  // Populate every kind of object: two modems, multi-slot SIMs, an initial EPS bearer, a connected bearer.
  const a = f.sim.addModem({
    simSlots: [{ iccid: '8901' }, { iccid: '8902', type: 'esim', eid: '89049' }],
    initialEpsBearer: true,
    bearer: { ipv4: { address: '10.0.0.2', prefix: 30 } },
  });
  f.sim.addModem({ sim: { iccid: '8903' } });
  await f.client.call(a, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('internet') }]);

  // Walk the object tree from "/" through Introspect, as a generic D-Bus client would.
  const seen = new Map<string, IntroInterface[]>();
  const queue = ['/'];
  while (queue.length > 0) {
    const path = queue.shift() as string;
    const [xml] = await f.client.call(path, 'org.freedesktop.DBus.Introspectable', 'Introspect');
    const node = parseIntrospection(xml as string);
    if (node.interfaces.size > 0) seen.set(path, [...node.interfaces.values()]);
    for (const c of node.children) queue.push(path === '/' ? `/${c}` : `${path}/${c}`);
  }
  assert.ok(
    seen.has(MM) && seen.has(a) && seen.has(`${MM}/SIM/1`) && seen.has(`${MM}/Bearer/1`),
    [...seen.keys()].join(' '),
  );

  const exported = [...seen.values()].flat().filter((i) => !GENERIC.has(i.name));
  const result = compareWithReference(exported, reference);
  assert.deepEqual(result.problems, [], result.problems.join('\n'));

  // Every interface of the simulator's spec was really on the bus (nothing escaped the check).
  const names = new Set(exported.map((i) => i.name));
  for (const spec of mmInterfaceSpecs)
    assert.ok(names.has(spec.name), `${spec.name} was exported and compared`);
  assert.ok(names.has('org.freedesktop.DBus.ObjectManager'));

  const distinct = new Map(exported.map((i) => [i.name, i]));
  const perInterface = compareWithReference(distinct.values(), reference).counts;
  t.diagnostic(
    `objects: ${seen.size}; distinct interfaces: ${perInterface.interfaces}, methods: ${perInterface.methods}, ` +
      `arguments: ${perInterface.arguments}, properties: ${perInterface.properties}, signals: ${perInterface.signals}; ` +
      `interface instances compared: ${result.counts.interfaces}`,
  );
  assert.equal(perInterface.interfaces, mmInterfaceSpecs.length + 1);
});
