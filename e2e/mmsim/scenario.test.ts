/** A scenario's timeline runs against the live simulator: events change what clients see. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyScenario, parseScenario } from '../../src/mmsim/scenario.js';
import { I, startFixture, until, V } from './raw-client.js';

test('scenario events run at their times: signal change, bearer drop, unplug and replug', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const scenario = parseScenario({
    timing: { step: 1 },
    modems: [
      {
        id: 'A',
        network: { registration: 'home', operatorCode: '00101' },
        bearer: { ipv4: { address: '10.0.0.2', prefix: 32 } },
        signal: { lte: { rsrp: -90 } },
      },
    ],
    events: [
      { atMs: 400, action: 'setSignal', modem: 'A', rat: 'lte', values: { rsrp: -120 } },
      {
        atMs: 700,
        action: 'dropBearer',
        modem: 'A',
        errorName: 'org.freedesktop.ModemManager1.Error.Connection.NoCarrier',
        message: 'gone',
      },
      { atMs: 1000, action: 'unplug', modem: 'A' },
      { atMs: 1100, action: 'replug', modem: 'A' },
    ],
  });
  const errors: unknown[] = [];
  const cancel = applyScenario(sim, scenario, (e) => errors.push(e));
  t.after(cancel);
  const path = sim.pathOf('A');
  await client.call(path, I.signal, 'Setup', 'u', [1]);
  const [bearer] = await client.call(path, I.simple, 'Connect', 'a{sv}', [{ apn: V.s('internet') }]);
  assert.deepEqual(await client.get(path, I.signal, 'Lte'), { rsrp: -90 });
  await until(async () => {
    const lte = (await client.get(path, I.signal, 'Lte')) as Record<string, number>;
    return lte.rsrp === -120;
  }, 'the setSignal event');
  await until(async () => (await client.get(bearer as string, I.bearer, 'Connected')) === false, 'the drop');
  assert.deepEqual(await client.get(bearer as string, I.bearer, 'ConnectionError'), [
    'org.freedesktop.ModemManager1.Error.Connection.NoCarrier',
    'gone',
  ]);
  const newPath = await until(async () => {
    const paths = Object.keys(await client.managedObjects());
    return paths.length === 1 && paths[0] !== path ? paths[0] : undefined;
  }, 'the replugged modem');
  assert.equal(newPath, '/org/freedesktop/ModemManager1/Modem/1');
  assert.equal(sim.pathOf('A'), newPath);
  assert.deepEqual(errors, []);
});
