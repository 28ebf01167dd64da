/** When a PIN may be sent (src/modemitems/sim-pin.ts): every guard, on plain modem views. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_PIN_TRIES, ModemLock, PinMemory, pinDecision } from '../../src/modemitems/sim-pin.js';
import type { ModemView } from '../../src/modemmanager/snapshot.js';

const view = (lock: number, retries?: Record<string, number>, sim = true): ModemView =>
  ({
    path: '/org/freedesktop/ModemManager1/Modem/0',
    modem: { UnlockRequired: lock, ...(retries ? { UnlockRetries: retries } : {}) },
    sim: sim ? { path: '/org/freedesktop/ModemManager1/SIM/0', props: {} } : undefined,
  }) as unknown as ModemView;
const pinTries = (n: number) => ({ [String(ModemLock.SimPin)]: n, [String(ModemLock.SimPuk)]: 10 });

test('not locked: nothing to decide', () => {
  assert.deepEqual(pinDecision('m', view(ModemLock.None), 'd', new PinMemory()), { locked: false });
});

test('locked with tries known: sent while at least 2 are left, never with 1', () => {
  assert.equal(MIN_PIN_TRIES, 2);
  assert.deepEqual(pinDecision('m', view(ModemLock.SimPin, pinTries(3)), 'd', new PinMemory()), {
    locked: true,
    send: true,
    triesLeft: 3,
  });
  assert.equal(
    (pinDecision('m', view(ModemLock.SimPin, pinTries(2)), 'd', new PinMemory()) as { send: boolean }).send,
    true,
  );
  const one = pinDecision('m', view(ModemLock.SimPin, pinTries(1)), 'd', new PinMemory());
  assert.ok(one.locked && !one.send);
  assert.match(one.why, /1 PIN try left.*fewer than 2/);
});

test('a rejected PIN is never sent again, whatever the tries; another PIN is', () => {
  const mem = new PinMemory();
  mem.noteSent('m', 'd1');
  mem.noteRejected('m', 'd1');
  const again = pinDecision('m', view(ModemLock.SimPin, pinTries(3)), 'd1', mem);
  assert.ok(again.locked && !again.send && /rejected this PIN/.test(again.why));
  assert.equal(
    (pinDecision('m', view(ModemLock.SimPin, pinTries(2)), 'd2', mem) as { send: boolean }).send,
    true,
  );
  // Per modem: another modem's rejection is not this one's.
  assert.equal(
    (pinDecision('n', view(ModemLock.SimPin, pinTries(3)), 'd1', mem) as { send: boolean }).send,
    true,
  );
});

test('tries not reported: a given PIN is sent at most once', () => {
  const mem = new PinMemory();
  assert.equal((pinDecision('m', view(ModemLock.SimPin), 'd', mem) as { send: boolean }).send, true);
  mem.noteSent('m', 'd');
  const twice = pinDecision('m', view(ModemLock.SimPin), 'd', mem);
  assert.ok(twice.locked && !twice.send && /sent once/.test(twice.why));
  assert.equal((pinDecision('m', view(ModemLock.SimPin), 'other', mem) as { send: boolean }).send, true);
});

test('no PIN configured, no SIM object, PUK-locked: nothing sent, each says why', () => {
  const cases: [ModemView, string, RegExp][] = [
    [view(ModemLock.SimPin, pinTries(3)), '', /config gives no PIN/],
    [view(ModemLock.SimPin, pinTries(3), false), 'd', /SIM object is not known/],
    [view(ModemLock.SimPuk, { [String(ModemLock.SimPuk)]: 10 }), 'd', /PUK-locked/],
  ];
  for (const [v, d, why] of cases) {
    const r = pinDecision('m', v, d, new PinMemory());
    assert.ok(r.locked && !r.send);
    assert.match(r.why, why);
  }
});

test('an accepted PIN is remembered until the SIM is seen unlocked; verdicts tell the owner', () => {
  let verdicts = 0;
  const mem = new PinMemory(() => verdicts++);
  mem.noteAccepted('m', 'd');
  assert.ok(mem.wasAccepted('m', 'd') && !mem.wasAccepted('m', 'e'));
  mem.unlocked('m');
  assert.ok(!mem.wasAccepted('m', 'd'));
  mem.noteRejected('m', 'e');
  assert.equal(verdicts, 2);
});
