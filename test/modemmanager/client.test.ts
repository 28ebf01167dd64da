/**
 * ModemManagerClient against a minimal stand-in for ModemManager (a few lines of dbus-next on a
 * private dbus-daemon): late start, exit and restart of the service (NameOwnerChanged), version
 * read per process, SIM objects loaded with GetAll, PropertiesChanged applied, and a resync
 * after our own bus connection is re-established.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Message, type MessageBus, sessionBus, Variant } from '@particle/dbus-next';
import { pino } from 'pino';
import { startPrivateBus } from '../../e2e/harness/dbus-daemon.js';
import { skipUnless } from '../../e2e/harness/require.js';
import { DBusConnection } from '../../src/dbus/index.js';
import { IFACE, MM_PATH, MM_SERVICE, ModemManagerClient, modems } from '../../src/modemmanager/index.js';

const MODEM = `${MM_PATH}/Modem/0`;
const SIM = `${MM_PATH}/SIM/0`;

/** Just enough of ModemManager: ObjectManager, manager Version, one modem, one SIM. */
async function fakeMM(address: string, version: string, calls?: string[]): Promise<MessageBus> {
  const bus = sessionBus({ busAddress: address });
  bus.addMethodHandler((msg: Message): boolean => {
    calls?.push(`${msg.member} ${msg.path}`);
    const reply = (sig: string, body: unknown[]): boolean => {
      bus.send(Message.newMethodReturn(msg, sig, body));
      return true;
    };
    if (msg.interface === IFACE.objectManager && msg.member === 'GetManagedObjects') {
      return reply('a{oa{sa{sv}}}', [
        {
          [MODEM]: {
            [IFACE.modem]: {
              State: new Variant('i', 3),
              Sim: new Variant('o', SIM),
              Bearers: new Variant('ao', []),
              Manufacturer: new Variant('s', 'Fake'),
            },
          },
        },
      ]);
    }
    if (msg.interface === IFACE.properties && msg.member === 'Get' && msg.path === MM_PATH) {
      return reply('v', [new Variant('s', version)]);
    }
    if (msg.interface === IFACE.properties && msg.member === 'GetAll' && msg.path === SIM) {
      return reply('a{sv}', [{ Imsi: new Variant('s', '001010123456789'), Active: new Variant('b', true) }]);
    }
    return false;
  });
  await bus.requestName(MM_SERVICE, 0);
  return bus;
}

function emitState(bus: MessageBus, state: number): void {
  bus.send(
    Message.newSignal(MODEM, IFACE.properties, 'PropertiesChanged', 'sa{sv}as', [
      IFACE.modem,
      { State: new Variant('i', state) },
      [],
    ]),
  );
}

test('follows ModemManager starting late, exiting and restarting (NameOwnerChanged)', async (t) => {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
  const bus = await startPrivateBus();
  const client = await ModemManagerClient.connect({ address: bus.address });
  let mm1: MessageBus | undefined;
  let mm2: MessageBus | undefined;
  t.after(async () => {
    await client.close();
    mm1?.disconnect();
    mm2?.disconnect();
    await bus.stop();
  });
  assert.equal(client.snapshot.owner, undefined, 'no ModemManager yet');
  assert.equal(client.version, undefined);
  const events: string[] = [];
  client.on('mm-appeared', (_o, v) => events.push(`appeared ${v}`));
  client.on('mm-vanished', () => events.push('vanished'));
  client.on('modem-added', (p) => events.push(`added ${p}`));
  client.on('modem-removed', (p) => events.push(`removed ${p}`));

  mm1 = await fakeMM(bus.address, '1.20.4');
  const m = await client.waitFor((s) => modems(s)[0]?.sim, { timeoutMs: 5000, what: 'modem + SIM' });
  assert.equal(m.props.Imsi, '001010123456789');
  assert.equal(client.version, '1.20.4');
  assert.equal(client.supports('physdev'), false);

  emitState(mm1, 8);
  await client.waitFor((s) => s.objects[MODEM]?.[IFACE.modem]?.State === 8, { timeoutMs: 5000 });

  const gen = client.snapshot.generation;
  mm1.disconnect();
  mm1 = undefined;
  await client.waitFor((s) => s.owner === undefined && Object.keys(s.objects).length === 0, {
    timeoutMs: 5000,
  });

  mm2 = await fakeMM(bus.address, '1.22.0');
  await client.waitFor((s) => s.owner !== undefined && modems(s).length === 1, { timeoutMs: 5000 });
  assert.equal(client.version, '1.22.0', 'the version is read again for the new process');
  assert.equal(client.supports('physdev'), true);
  assert.ok(client.snapshot.generation > gen);
  assert.equal(client.snapshot.objects[MODEM]?.[IFACE.modem]?.State, 3, 'state from the new process');
  // mm-appeared fires once the new process's tree is in place (after its modem-added)
  assert.deepEqual(events, [
    `added ${MODEM}`,
    'appeared 1.20.4',
    `removed ${MODEM}`,
    'vanished',
    `added ${MODEM}`,
    'appeared 1.22.0',
  ]);
  // and its signals are followed
  emitState(mm2, 6);
  await client.waitFor((s) => s.objects[MODEM]?.[IFACE.modem]?.State === 6, { timeoutMs: 5000 });
});

test('resyncs after our own bus connection is re-established', async (t) => {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
  const bus = await startPrivateBus();
  const conn = await DBusConnection.open({ address: bus.address, backoff: { baseMs: 20, maxMs: 100 } });
  const client = await ModemManagerClient.connect({ connection: conn });
  const mm = await fakeMM(bus.address, '1.20.4');
  t.after(async () => {
    await client.close();
    await conn.close();
    mm.disconnect();
    await bus.stop();
  });
  await client.waitFor((s) => modems(s).length === 1, { timeoutMs: 5000 });
  const gen = client.snapshot.generation;
  conn.forceReconnect('test');
  await client.waitFor((s) => s.generation > gen && modems(s).length === 1, {
    timeoutMs: 5000,
    what: 'resync',
  });
  // match rules came back with the connection: signals still arrive
  emitState(mm, 8);
  await client.waitFor((s) => s.objects[MODEM]?.[IFACE.modem]?.State === 8, { timeoutMs: 5000 });
});

test('a property value of the wrong type is ignored with a warning; a dangling object path is not loaded in a loop', async (t) => {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
  const bus = await startPrivateBus();
  const lines: { level: number; msg: string; property?: string; expected?: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const conn = await DBusConnection.open({ address: bus.address });
  const client = await ModemManagerClient.connect({ connection: conn, logger });
  const calls: string[] = [];
  const mm = await fakeMM(bus.address, '1.20.4', calls);
  t.after(async () => {
    await client.close();
    await conn.close();
    mm.disconnect();
    await bus.stop();
  });
  await client.waitFor((s) => modems(s)[0]?.sim, { timeoutMs: 5000, what: 'modem + SIM' });
  const dangling = `${MM_PATH}/SIM/9`;
  mm.send(
    Message.newSignal(MODEM, IFACE.properties, 'PropertiesChanged', 'sa{sv}as', [
      IFACE.modem,
      {
        EquipmentIdentifier: new Variant('u', 42),
        Bearers: new Variant('s', 'not-a-list'),
        Manufacturer: new Variant('s', 'Fake 2'),
        Sim: new Variant('o', dangling),
      },
      [],
    ]),
  );
  await client.waitFor((s) => s.objects[MODEM]?.[IFACE.modem]?.Manufacturer === 'Fake 2', {
    timeoutMs: 5000,
  });
  const modem = client.snapshot.objects[MODEM]?.[IFACE.modem];
  assert.equal(modem?.EquipmentIdentifier, undefined, 'the number is not taken as the IMEI');
  assert.deepEqual(modem?.Bearers, [], 'the last good Bearers stay');
  assert.deepEqual(
    lines.filter((l) => l.level === 40).map((l) => `${l.msg}: ${l.property} (${l.expected})`),
    [
      `ignored a ModemManager property value of the wrong type: ${IFACE.modem}.EquipmentIdentifier (s)`,
      `ignored a ModemManager property value of the wrong type: ${IFACE.modem}.Bearers (ao)`,
    ],
  );
  // The dangling SIM fails to load; 20 round trips later it was not asked for again and again.
  const loads = () => calls.filter((c) => c === `GetAll ${dangling}`).length;
  const end = Date.now() + 5000;
  while (loads() === 0) {
    assert.ok(Date.now() < end, 'the dangling SIM is asked for');
    await new Promise((r) => setTimeout(r, 5));
  }
  for (let i = 0; i < 20; i++)
    await conn.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'GetId',
    });
  assert.ok(loads() <= 2, `GetAll of the dangling SIM ${loads()} times`);
});
