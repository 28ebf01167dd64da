/**
 * ModemManager not answering, as the client sees it: three calls in a row past their timeouts make
 * one 'unresponsive' event (what the agent's soft recovery acts on); an answer ends the streak.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPrivateBus } from '../../src/mmsim/private-bus.js';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import { ModemManagerClient, UNRESPONSIVE_AFTER } from '../../src/modemmanager/client.js';
import { skipUnless } from '../harness/require.js';

test('three calls timing out in a row: one unresponsive event; an answer resets the count', async (t) => {
  if (skipUnless(t, { commands: ['dbus-daemon'] })) return;
  const bus = await startPrivateBus();
  t.after(() => bus.stop());
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address });
  t.after(() => sim.stop());
  const path = sim.addModem({});
  const mm = await ModemManagerClient.connect({ address: bus.address });
  t.after(() => mm.close());
  const events: number[] = [];
  mm.on('unresponsive', (n) => events.push(n));
  const timedOut = async (n: number) => {
    sim.hangCall('GetStatus', { times: n });
    for (let i = 0; i < n; i++)
      await assert.rejects(mm.calls.getStatus(path, { timeoutMs: 50 }), /timed out|Timeout/i);
  };
  assert.equal(UNRESPONSIVE_AFTER, 3);
  await timedOut(2);
  await mm.calls.getStatus(path, { timeoutMs: 2_000 });
  await timedOut(2);
  assert.deepEqual(events, [], 'two, an answer, two: never three in a row');
  await timedOut(1);
  assert.deepEqual(events, [3]);
  await timedOut(3);
  assert.deepEqual(events, [3], 'once per streak');
  await mm.calls.getStatus(path, { timeoutMs: 2_000 });
  await timedOut(3);
  assert.deepEqual(events, [3, 3], 'a new streak after an answer');
});
