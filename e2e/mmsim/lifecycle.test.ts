/** Simulator lifecycle: one owner per bus, idempotent stop, and stop() survives a dead bus daemon. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import { startPrivateBus } from '../harness/dbus-daemon.js';
import { skipUnless } from '../harness/require.js';
import { RawClient } from './raw-client.js';

test('a second simulator cannot take the name while the first owns it', async (t) => {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
  const bus = await startPrivateBus();
  t.after(() => bus.stop());
  const first = await ModemManagerSimulator.start({ busAddress: bus.address });
  t.after(() => first.stop());
  await assert.rejects(
    ModemManagerSimulator.start({ busAddress: bus.address }),
    /cannot own org\.freedesktop\.ModemManager1/,
  );
  const client = await RawClient.connect(bus.address);
  t.after(() => client.close());
  assert.equal(await client.nameOwner(), first.uniqueName);
  await first.stop();
  await first.stop(); // idempotent
  assert.equal(await client.nameOwner(), '');
  assert.equal(first.uniqueName, '');
});

test('stop() returns promptly even when the bus daemon has died', async (t) => {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
  const bus = await startPrivateBus();
  t.after(() => bus.stop());
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address });
  sim.addModem({});
  await bus.stop();
  const t0 = Date.now();
  await sim.stop();
  assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms`);
});

test('start() rejects when no bus listens at the address', async () => {
  await assert.rejects(
    ModemManagerSimulator.start({ busAddress: 'unix:path=/nonexistent/mmsim-test-socket' }),
  );
});
