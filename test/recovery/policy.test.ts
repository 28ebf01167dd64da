/** recoveryDue: two minutes missing, once per disappearance, only with a recovery setting on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MISSING_FOR_MS, type RecoveryDecision, recoveryDue } from '../../src/recovery/index.js';

const both = { reloadDrivers: true, restartModemManager: true };
const gone = (missingSince: number, recovered = false) => ({
  missingSince,
  recoveredThisDisappearance: recovered,
});

function notDue(d: RecoveryDecision): string {
  assert.equal(d.due, false, JSON.stringify(d));
  return d.due ? '' : d.why;
}

test('due two minutes after the disappearance, not a millisecond earlier, with the settings as given', () => {
  assert.equal(DEFAULT_MISSING_FOR_MS, 120_000);
  const since = 1_000_000;
  const early = recoveryDue(gone(since), since + 119_999, both);
  assert.deepEqual(early, {
    due: false,
    why: 'missing for 119999 ms; soft recovery after 120000 ms',
    dueAt: since + 120_000,
  });
  assert.deepEqual(recoveryDue(gone(since), since + 120_000, both), {
    due: true,
    reloadDrivers: true,
    restartModemManager: true,
  });
  assert.deepEqual(
    recoveryDue(gone(since), since + 500_000, { reloadDrivers: true, restartModemManager: false }),
    {
      due: true,
      reloadDrivers: true,
      restartModemManager: false,
    },
  );
  assert.deepEqual(
    recoveryDue(gone(since), since + 500_000, { reloadDrivers: false, restartModemManager: true }),
    {
      due: true,
      reloadDrivers: false,
      restartModemManager: true,
    },
  );
});

test('at most once per disappearance', () => {
  assert.match(notDue(recoveryDue(gone(0, true), 10_000_000, both)), /already ran once/);
});

test('both settings off: never due, and the reason names them', () => {
  const why = notDue(recoveryDue(gone(0), 10_000_000, { reloadDrivers: false, restartModemManager: false }));
  assert.match(why, /wwan\.modem\.recovery\.reload\.drivers/);
  assert.match(why, /wwan\.modem\.recovery\.restart\.modemmanager/);
});

test('missingForMs: a custom wait, a bad one falls back to two minutes; a clock that went back waits', () => {
  assert.equal(recoveryDue(gone(0), 5_000, { ...both, missingForMs: 5_000 }).due, true);
  assert.equal(recoveryDue(gone(0), 4_999, { ...both, missingForMs: 5_000 }).due, false);
  assert.equal(recoveryDue(gone(0), 0, { ...both, missingForMs: 0 }).due, true);
  for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
    assert.equal(recoveryDue(gone(0), 119_999, { ...both, missingForMs: bad }).due, false, String(bad));
    assert.equal(recoveryDue(gone(0), 120_000, { ...both, missingForMs: bad }).due, true, String(bad));
  }
  const back = recoveryDue(gone(1_000_000), 0, both);
  assert.deepEqual(back, {
    due: false,
    why: 'missing for 0 ms; soft recovery after 120000 ms',
    dueAt: 1_120_000,
  });
});
