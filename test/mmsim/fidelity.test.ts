/**
 * Unit tests of the fidelity comparison (src/mmsim/fidelity.ts): it must report every kind of
 * difference, shown with deliberately wrong simulator descriptions. Plus two checks that need no
 * bus: the simulator's enum numbers and error names against ModemManager's C headers
 * (modemmanager-dev), which define them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { inCI } from '../../e2e/harness/require.js';
import * as enums from '../../src/mmsim/enums.js';
import { MMError } from '../../src/mmsim/errors.js';
import { compareWithReference, parseIntrospection } from '../../src/mmsim/fidelity.js';

const REF = `<?xml version="1.0"?>
<!-- a comment with <tags> inside -->
<node name="/">
  <interface name="org.example.Modem">
    <!-- doc -->
    <method name="Enable"><arg name="enable" type="b" direction="in"/></method>
    <method name="Connect">
      <arg name="properties" type="a{sv}" direction="in"/>
      <arg name="bearer" type="o" direction="out"/>
    </method>
    <method name="Reset"/>
    <signal name="StateChanged"><arg name="old" type="i"/><arg name="new" type="i"/><arg name="reason" type="u"/></signal>
    <property name="State" type="i" access="read"/>
    <property name="Ports" type="a(su)" access="read"/>
  </interface>
</node>`;

const ref = parseIntrospection(REF).interfaces;

function simWith(iface: string): ReturnType<typeof compareWithReference> {
  return compareWithReference(parseIntrospection(`<node>${iface}</node>`).interfaces.values(), ref);
}

test('parses methods, arguments (default direction in), signals, properties and child nodes', () => {
  const i = ref.get('org.example.Modem');
  assert.ok(i);
  assert.deepEqual(i.methods.get('Enable'), [{ name: 'enable', type: 'b', direction: 'in' }]);
  assert.deepEqual(i.methods.get('Reset'), []);
  assert.deepEqual(
    i.signals.get('StateChanged')?.map((a) => `${a.name}:${a.type}:${a.direction}`),
    ['old:i:undefined', 'new:i:undefined', 'reason:u:undefined'],
  );
  assert.deepEqual(i.properties.get('Ports'), { type: 'a(su)', access: 'read' });
  const node = parseIntrospection(
    '<node><node name="Modem"/><node name="SIM"><node name="deep"/></node></node>',
  );
  assert.deepEqual(node.children, ['Modem', 'SIM']);
});

test('an identical subset passes and is counted', () => {
  const r = simWith(`<interface name="org.example.Modem">
    <method name="Enable"><arg name="enable" type="b" direction="in"/></method>
    <signal name="StateChanged"><arg name="old" type="i"/><arg name="new" type="i"/><arg name="reason" type="u"/></signal>
    <property name="State" type="i" access="read"/></interface>`);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.counts, { interfaces: 1, methods: 1, arguments: 4, properties: 1, signals: 1 });
});

const WRONG: readonly [string, string, RegExp][] = [
  [
    'argument type (allowed-auth sent as i instead of u style bug)',
    '<method name="Enable"><arg name="enable" type="u" direction="in"/></method>',
    /Enable\(\) argument 0: type 'u', reference 'b'/,
  ],
  [
    'argument direction',
    '<method name="Connect"><arg name="properties" type="a{sv}" direction="in"/><arg name="bearer" type="o" direction="in"/></method>',
    /Connect\(\) argument 1: direction 'in', reference 'out'/,
  ],
  [
    'argument name',
    '<method name="Enable"><arg name="on" type="b" direction="in"/></method>',
    /argument 0: name 'on', reference 'enable'/,
  ],
  [
    'argument count',
    '<method name="Connect"><arg name="properties" type="a{sv}" direction="in"/></method>',
    /Connect\(\): 1 arguments .* reference has 2/,
  ],
  ['unknown method', '<method name="Reboot"/>', /Reboot\(\): method not in the reference/],
  [
    'property type',
    '<property name="State" type="u" access="read"/>',
    /State: property type 'u', reference 'i'/,
  ],
  [
    'property access',
    '<property name="State" type="i" access="readwrite"/>',
    /State: property access 'readwrite', reference 'read'/,
  ],
  [
    'unknown property',
    '<property name="Temperature" type="d" access="read"/>',
    /Temperature: property not in/,
  ],
  [
    'signal signature',
    '<signal name="StateChanged"><arg name="old" type="i"/><arg name="new" type="i"/><arg name="reason" type="i"/></signal>',
    /StateChanged argument 2: type 'i', reference 'u'/,
  ],
  ['unknown signal', '<signal name="Exploded"/>', /Exploded: signal not in the reference/],
];

for (const [what, member, expected] of WRONG) {
  test(`a wrong ${what} is reported`, () => {
    const r = simWith(`<interface name="org.example.Modem">${member}</interface>`);
    assert.equal(r.problems.length, 1, r.problems.join('\n'));
    assert.match(r.problems[0] ?? '', expected);
  });
}

test('an interface missing from the reference is reported', () => {
  const r = simWith('<interface name="org.example.Nope"><method name="X"/></interface>');
  assert.deepEqual(r.problems, ['interface org.example.Nope: not in the reference XML']);
});

// ---- against ModemManager's headers ------------------------------------------------------------

const HEADERS = '/usr/include/ModemManager';

function headersOrSkip(t: { skip(msg: string): void }): boolean {
  if (existsSync(`${HEADERS}/ModemManager-enums.h`)) return true;
  const why = `needs ${HEADERS} (Debian package modemmanager-dev)`;
  if (inCI) throw new Error(`prerequisite missing in CI: ${why}`);
  t.skip(why);
  return false;
}

/** `MM_MODEM_STATE_FAILED = -1,` / `... = 1 << 14,` / `... = 0xFFFFFFFF` → name → value. */
function cEnumValues(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(MM_[A-Z0-9_]+)\s*=\s*([^,/\n]+)/gm)) {
    const expr = (m[2] as string).trim();
    const shift = /^(\d+)\s*<<\s*(\d+)$/.exec(expr);
    const value = shift ? Number(shift[1]) * 2 ** Number(shift[2]) : Number(expr);
    if (!Number.isNaN(value)) out.set(m[1] as string, value);
  }
  return out;
}

const ENUM_PREFIX: Readonly<Record<string, string>> = {
  ModemState: 'MM_MODEM_STATE_',
  ModemStateFailedReason: 'MM_MODEM_STATE_FAILED_REASON_',
  ModemStateChangeReason: 'MM_MODEM_STATE_CHANGE_REASON_',
  PowerState: 'MM_MODEM_POWER_STATE_',
  ModemLock: 'MM_MODEM_LOCK_',
  BearerIpMethod: 'MM_BEARER_IP_METHOD_',
  BearerIpFamily: 'MM_BEARER_IP_FAMILY_',
  BearerType: 'MM_BEARER_TYPE_',
  Modem3gppRegistrationState: 'MM_MODEM_3GPP_REGISTRATION_STATE_',
  Modem3gppPacketServiceState: 'MM_MODEM_3GPP_PACKET_SERVICE_STATE_',
  AccessTechnology: 'MM_MODEM_ACCESS_TECHNOLOGY_',
  ModemMode: 'MM_MODEM_MODE_',
  ModemCapability: 'MM_MODEM_CAPABILITY_',
  ModemPortType: 'MM_MODEM_PORT_TYPE_',
  LocationSource: 'MM_MODEM_LOCATION_SOURCE_',
  SimType: 'MM_SIM_TYPE_',
  SimEsimStatus: 'MM_SIM_ESIM_STATUS_',
  SimRemovability: 'MM_SIM_REMOVABILITY_',
  Modem3gppNetworkAvailability: 'MM_MODEM_3GPP_NETWORK_AVAILABILITY_',
};

test('every simulator enum value equals ModemManager-enums.h', (t) => {
  if (!headersOrSkip(t)) return;
  const c = cEnumValues(`${HEADERS}/ModemManager-enums.h`);
  const all = enums as unknown as Record<string, Record<string, number>>;
  let checked = 0;
  for (const [enumName, prefix] of Object.entries(ENUM_PREFIX)) {
    const values = all[enumName];
    assert.ok(values, `enums.ts exports ${enumName}`);
    for (const [k, v] of Object.entries(values)) {
      const cName = `${prefix}${k}`;
      assert.equal(c.get(cName), v, `${enumName}.${k} vs ${cName}`);
      checked++;
    }
  }
  assert.equal(Object.keys(ENUM_PREFIX).length, Object.keys(all).length, 'every enum in enums.ts is checked');
  assert.ok(checked > 100, `checked ${checked} values`);
});

test('every MM error name the simulator uses exists in ModemManager-errors.h', (t) => {
  if (!headersOrSkip(t)) return;
  const text = readFileSync(`${HEADERS}/ModemManager-errors.h`, 'utf8');
  const domains: Record<string, string> = {
    mm_core_error: 'Core',
    mm_mobile_equipment_error: 'MobileEquipment',
    mm_connection_error: 'Connection',
    mm_serial_error: 'Serial',
    mm_message_error: 'Message',
    mm_cdma_activation_error: 'CdmaActivation',
  };
  const known = new Set<string>();
  for (const block of text.matchAll(/underscore_name=(\w+)\s*>\*\/([\s\S]*?)\}/g)) {
    const domain = domains[block[1] as string];
    if (!domain) continue;
    for (const nick of (block[2] as string).matchAll(/nick=(\w+)/g)) {
      known.add(`org.freedesktop.ModemManager1.Error.${domain}.${nick[1]}`);
    }
  }
  assert.ok(known.size > 200, `parsed ${known.size} error names`);
  for (const name of Object.values(MMError)) assert.ok(known.has(name), `${name} is a ModemManager error`);
});
