import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Clock, withDeadline } from '../../src/dbus/index.js';

/** A manual clock: timers fire only when the test advances time. */
function fakeClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
    pending: () => timers.size,
  };
}

const never = new Promise<never>(() => {});
const errs = { onTimeout: () => new Error('timeout'), onAbort: () => new Error('abort') };

test('a promise that never settles is rejected at the deadline, not before', async () => {
  const clock = fakeClock();
  let cleaned = 0;
  const p = withDeadline(never, { ...errs, timeoutMs: 1000, clock, cleanup: () => cleaned++ });
  let settled = false;
  p.catch(() => {
    settled = true;
  });
  clock.advance(999);
  await Promise.resolve();
  assert.equal(settled, false);
  clock.advance(1);
  await assert.rejects(p, /timeout/);
  assert.equal(cleaned, 1);
});

test('a result before the deadline wins and clears the timer', async () => {
  const clock = fakeClock();
  const p = withDeadline(Promise.resolve(42), { ...errs, timeoutMs: 1000, clock });
  assert.equal(await p, 42);
  assert.equal(clock.pending(), 0);
});

test('an AbortSignal rejects immediately, also when already aborted', async () => {
  const clock = fakeClock();
  const ac = new AbortController();
  let cleaned = 0;
  const p = withDeadline(never, {
    ...errs,
    timeoutMs: 1000,
    clock,
    signal: ac.signal,
    cleanup: () => cleaned++,
  });
  ac.abort();
  await assert.rejects(p, /abort/);
  assert.equal(cleaned, 1);
  assert.equal(clock.pending(), 0);
  await assert.rejects(withDeadline(never, { ...errs, timeoutMs: 1000, clock, signal: ac.signal }), /abort/);
});

test('the work rejecting passes its own error through', async () => {
  const clock = fakeClock();
  await assert.rejects(
    withDeadline(Promise.reject(new Error('boom')), { ...errs, timeoutMs: 1000, clock }),
    /boom/,
  );
});
