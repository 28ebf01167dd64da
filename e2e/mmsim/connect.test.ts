/**
 * Simple.Connect → bearer with IP configuration for IPv4, IPv6 and dual-stack; argument validation
 * like ModemManager's; bearer reuse; Disconnect; CreateBearer/ListBearers/DeleteBearer and the
 * per-bearer Connect/Disconnect. Raw dbus-next client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModemSpec } from '../../src/mmsim/types.js';
import { I, startFixture, until, V } from './raw-client.js';

const E = 'org.freedesktop.ModemManager1.Error';

const DUAL: ModemSpec = {
  id: 'A',
  network: {
    registration: 'home',
    operatorCode: '00101',
    operatorName: 'SimNet',
    accessTechnologies: ['lte'],
  },
  bearer: {
    interface: 'wwan7',
    ipv4: {
      address: '10.1.2.3',
      prefix: 30,
      gateway: '10.1.2.1',
      dns: ['10.0.0.53', '10.0.0.54', '10.0.0.55'],
      mtu: 1430,
    },
    ipv6: {
      address: '2001:db8:1::2',
      prefix: 64,
      gateway: '2001:db8:1::1',
      dns: ['2001:db8::53'],
      mtu: 1280,
    },
  },
};

const IP4 = {
  method: 2,
  address: '10.1.2.3',
  prefix: 30,
  gateway: '10.1.2.1',
  dns1: '10.0.0.53',
  dns2: '10.0.0.54',
  dns3: '10.0.0.55',
  mtu: 1430,
};
const IP6 = {
  method: 2,
  address: '2001:db8:1::2',
  prefix: 64,
  gateway: '2001:db8:1::1',
  dns1: '2001:db8::53',
  mtu: 1280,
};

for (const [name, ipType, ip4, ip6] of [
  ['ipv4', 1, IP4, { method: 0 }],
  ['ipv6', 2, { method: 0 }, IP6],
  ['ipv4v6', 4, IP4, IP6],
] as const) {
  test(`Connect ip-type ${name}: bearer with Interface, Connected and the ${name} IP config`, async (t) => {
    const f = await startFixture(t);
    if (!f) return;
    const { sim, client } = f;
    const path = sim.addModem(DUAL);
    const from = client.signals.length;
    // From disabled: Simple.Connect enables and waits for registration, like MM.
    const [bearer] = await client.call(path, I.simple, 'Connect', 'a{sv}', [
      {
        apn: V.s('internet'),
        'ip-type': V.u(ipType),
        'allowed-auth': V.u(6),
        user: V.s('u'),
        password: V.s('p'),
      },
    ]);
    assert.match(bearer as string, /^\/org\/freedesktop\/ModemManager1\/Bearer\/\d+$/);
    const b = await client.getAll(bearer as string, I.bearer);
    assert.equal(b.Interface, 'wwan7');
    assert.equal(b.Connected, true);
    assert.deepEqual(b.ConnectionError, ['', '']);
    assert.deepEqual(b.Ip4Config, ip4);
    assert.deepEqual(b.Ip6Config, ip6);
    assert.equal(b.BearerType, 1);
    assert.deepEqual(b.Properties, {
      'profile-id': -1,
      apn: 'internet',
      'ip-type': ipType,
      'allowed-auth': 6,
      user: 'u',
      password: 'p',
    });
    const raw = await client.getAllRaw(bearer as string, I.bearer);
    const stats = raw.Stats?.value as Record<string, { signature: string; value: unknown }>;
    assert.equal(stats['start-date']?.signature, 't');
    assert.equal(typeof stats['start-date']?.value, 'bigint', 'uint64 is a BigInt on the wire');
    assert.equal(stats.attempts?.value, 1);
    const m = await client.getAll(path, I.modem);
    assert.equal(m.State, 11);
    assert.deepEqual(m.Bearers, [bearer]);
    const states = client
      .find((s) => s.path === path && s.member === 'StateChanged', from)
      .map((s) => s.args[1]);
    assert.deepEqual(states, [5, 6, 7, 8, 10, 11]);
    const [status] = await client.call(path, I.simple, 'GetStatus');
    assert.deepEqual(status, {
      state: 11,
      'signal-quality': [80, true],
      'current-bands': [0],
      'access-technologies': 1 << 14,
      'm3gpp-registration-state': 1,
      'm3gpp-operator-code': '00101',
      'm3gpp-operator-name': 'SimNet',
    });
  });
}

test('Connect validates its dictionary like MM: key names and variant types', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(DUAL);
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'allowed-auth as int32 (EVE bug)',
      { apn: V.s('x'), 'allowed-auth': V.i(1) },
      /'allowed-auth' must be of type 'u'/,
    ],
    ['ip-type as int32', { apn: V.s('x'), 'ip-type': V.i(1) }, /'ip-type' must be of type 'u'/],
    ['apn as uint32', { apn: V.u(1) }, /'apn' must be of type 's'/],
    ['unknown key', { apn: V.s('x'), 'no-such-key': V.s('y') }, /unexpected key 'no-such-key'/],
    ['unknown ip-type value', { apn: V.s('x'), 'ip-type': V.u(3) }, /unknown ip-type 3/],
  ];
  for (const [what, dict, msg] of cases) {
    const err = await client.callFails(path, I.simple, 'Connect', 'a{sv}', [dict]);
    assert.equal(err.type, `${E}.Core.InvalidArgs`, what);
    assert.match(err.text, msg, what);
  }
  assert.equal(await client.get(path, I.modem, 'State'), 3, 'a rejected Connect changes nothing');
  const noApn = await client.callFails(path, I.simple, 'Connect', 'a{sv}', [{ 'ip-type': V.u(1) }]);
  assert.equal(noApn.type, `${E}.Core.InvalidArgs`);
  assert.equal(noApn.text, '3GPP connection logic requires APN or profile id setting', 'MM 1.20 text (kit)');
  // Simple.Connect-only keys are fine in Connect, not in CreateBearer.
  await client.call(path, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('x'), 'operator-id': V.s('00101') }]);
  const err = await client.callFails(path, I.modem, 'CreateBearer', 'a{sv}', [
    { apn: V.s('y'), pin: V.s('1') },
  ]);
  assert.equal(err.type, `${E}.Core.InvalidArgs`);
});

test('the same properties reuse the bearer; other properties create another; a family the network lacks fails', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ ...DUAL, bearer: { ipv4: { address: '10.9.9.9', prefix: 32 } } });
  const props = { apn: V.s('internet'), 'ip-type': V.u(1) };
  const [b1] = await client.call(path, I.simple, 'Connect', 'a{sv}', [props]);
  const [b2] = await client.call(path, I.simple, 'Connect', 'a{sv}', [props]);
  assert.equal(b2, b1);
  const [b3] = await client.call(path, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('other') }]);
  assert.notEqual(b3, b1);
  assert.equal((await client.getAll(b3 as string, I.bearer)).Interface, 'wwan0', 'default interface');
  const err = await client.callFails(path, I.simple, 'Connect', 'a{sv}', [
    { apn: V.s('v6'), 'ip-type': V.u(2) },
  ]);
  assert.equal(err.type, `${E}.MobileEquipment.Ipv4OnlyAllowed`);
  assert.equal(((await client.get(path, I.modem, 'Bearers')) as string[]).length, 3);
});

test('Simple.Disconnect("/"): disconnecting → registered, bearer keeps no IP config', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(DUAL);
  const [bearer] = await client.call(path, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('internet') }]);
  const from = client.signals.length;
  await client.call(path, I.simple, 'Disconnect', 'o', ['/']);
  const b = await client.getAll(bearer as string, I.bearer);
  assert.equal(b.Connected, false);
  assert.equal(b.Interface, '');
  assert.deepEqual(b.Ip4Config, { method: 0 });
  assert.deepEqual(b.Ip6Config, { method: 0 });
  assert.deepEqual(b.ConnectionError, ['', ''], 'a requested disconnect is not an error');
  assert.deepEqual(
    client.find((s) => s.path === path && s.member === 'StateChanged', from).map((s) => s.args.slice(0, 2)),
    [
      [11, 9],
      [9, 8],
    ],
  );
  const connectedChange = client.find(
    (s) =>
      s.path === bearer &&
      s.member === 'PropertiesChanged' &&
      (s.args[1] as Record<string, unknown>).Connected === false,
    from,
  );
  assert.equal(connectedChange.length, 1);
  const err = await client.callFails(path, I.simple, 'Disconnect', 'o', [
    '/org/freedesktop/ModemManager1/Bearer/99',
  ]);
  assert.equal(err.type, `${E}.Core.InvalidArgs`, 'what MM 1.20 answers (checked on the real-MM kit)');
  assert.match(err.text, /Couldn't disconnect bearer '.*Bearer\/99': not found/);
});

test('CreateBearer / ListBearers / Bearer.Connect / Bearer.Disconnect / DeleteBearer', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ ...DUAL, maxBearers: 2 });
  const [b] = await client.call(path, I.modem, 'CreateBearer', 'a{sv}', [
    { apn: V.s('a'), 'ip-type': V.u(4) },
  ]);
  assert.deepEqual((await client.call(path, I.modem, 'ListBearers'))[0], [b]);
  assert.equal((await client.getAll(b as string, I.bearer)).Connected, false);
  const notReg = await client.callFails(b as string, I.bearer, 'Connect');
  assert.equal(notReg.type, `${E}.Core.WrongState`);
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  await until(async () => (await client.get(path, I.modem, 'State')) === 8, 'registered');
  await client.call(b as string, I.bearer, 'Connect');
  assert.equal((await client.getAll(b as string, I.bearer)).Connected, true);
  assert.equal(await client.get(path, I.modem, 'State'), 11);
  await client.call(b as string, I.bearer, 'Disconnect');
  assert.equal(await client.get(path, I.modem, 'State'), 8);
  // MM 1.20 publishes MaxBearers but accepted more on the kit; so does the simulator.
  await client.call(path, I.modem, 'CreateBearer', 'a{sv}', [{ apn: V.s('b') }]);
  await client.call(path, I.modem, 'CreateBearer', 'a{sv}', [{ apn: V.s('c') }]);
  assert.equal(await client.get(path, I.modem, 'MaxBearers'), 2);
  assert.equal(((await client.get(path, I.modem, 'Bearers')) as string[]).length, 3);
  await client.call(b as string, I.bearer, 'Connect');
  await client.call(path, I.modem, 'DeleteBearer', 'o', [b]);
  assert.equal(await client.get(path, I.modem, 'State'), 8, 'deleting a connected bearer disconnects it');
  assert.equal(((await client.get(path, I.modem, 'Bearers')) as string[]).includes(b as string), false);
  const gone = await client.callFails(b as string, I.bearer, 'Connect');
  assert.match(gone.type, /^org\.freedesktop\.DBus\.Error\./, 'the object is no longer exported');
  const notFound = await client.callFails(path, I.modem, 'DeleteBearer', 'o', [b]);
  assert.equal(notFound.type, `${E}.Core.InvalidArgs`, 'what MM 1.20 answers (checked on the real-MM kit)');
  assert.match(notFound.text, /Cannot delete bearer: no bearer found with path/);
});

test('a second bearer connects while the modem stays CONNECTED; state follows the last connected bearer', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem(DUAL);
  const [b1] = await client.call(path, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('one') }]);
  const from = client.signals.length;
  const [b2] = await client.call(path, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('two') }]);
  assert.notEqual(b2, b1);
  assert.deepEqual(
    client.find((s) => s.path === path && s.member === 'StateChanged', from),
    [],
  );
  await client.call(path, I.simple, 'Disconnect', 'o', [b1]);
  assert.equal(await client.get(path, I.modem, 'State'), 11, 'b2 is still connected');
  await client.call(path, I.simple, 'Disconnect', 'o', [b2]);
  assert.equal(await client.get(path, I.modem, 'State'), 8);
});
