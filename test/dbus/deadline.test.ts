import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { DBusAbortedError, DBusTimeoutError, withCallDeadline } from '../../src/dbus/index.js';
import { FakeClock } from '../reconciler/harness.js';

const never = new Promise<never>(() => {});
const M = 'org.example.I.M';

test('a promise that never settles is rejected at the deadline with DBusTimeoutError, not before', async () => {
  const clock = new FakeClock();
  let cleaned = 0;
  const p = withCallDeadline(never, { method: M, timeoutMs: 1000, clock, cleanup: () => cleaned++ });
  let settled = false;
  p.catch(() => {
    settled = true;
  });
  await clock.advance(999);
  await Promise.resolve();
  assert.equal(settled, false);
  await clock.advance(1);
  const err = await p.catch((e: unknown) => e);
  assert.ok(err instanceof DBusTimeoutError);
  assert.equal(err.method, M);
  assert.equal(err.timeoutMs, 1000);
  assert.equal(cleaned, 1);
});

test('a result before the deadline wins and clears the timer', async () => {
  const clock = new FakeClock();
  const p = withCallDeadline(Promise.resolve(42), { method: M, timeoutMs: 1000, clock });
  assert.equal(await p, 42);
  assert.equal(clock.dueTimes.length, 0);
});

test('an AbortSignal rejects with DBusAbortedError at once, also when already aborted', async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  let cleaned = 0;
  const p = withCallDeadline(never, {
    method: M,
    timeoutMs: 1000,
    clock,
    signal: ac.signal,
    cleanup: () => cleaned++,
  });
  ac.abort();
  const err = await p.catch((e: unknown) => e);
  assert.ok(err instanceof DBusAbortedError && err.method === M);
  assert.equal(cleaned, 1);
  assert.equal(clock.dueTimes.length, 0);
  await assert.rejects(
    withCallDeadline(never, { method: M, timeoutMs: 1000, clock, signal: ac.signal }),
    DBusAbortedError,
  );
});

test('work that rejects after a pre-aborted signal is not an unhandled rejection', async () => {
  const ac = new AbortController();
  ac.abort();
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    let fail: (e: Error) => void = () => undefined;
    const work = new Promise<never>((_, reject) => {
      fail = reject;
    });
    await assert.rejects(
      withCallDeadline(work, { method: M, timeoutMs: 1000, signal: ac.signal }),
      DBusAbortedError,
    );
    fail(new Error('late'));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the work rejecting passes its own error through', async () => {
  const clock = new FakeClock();
  await assert.rejects(
    withCallDeadline(Promise.reject(new Error('boom')), { method: M, timeoutMs: 1000, clock }),
    /boom/,
  );
});

test('1,000 deadlines on one signal leave no abort listener behind and raise no warning', async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      const outcome = i % 3;
      const work =
        outcome === 0 ? Promise.resolve(i) : outcome === 1 ? Promise.reject(new Error('no')) : never;
      const p = withCallDeadline(work, { method: M, timeoutMs: 10, clock, signal: ac.signal }).catch(
        (e: unknown) => e,
      );
      peak = Math.max(peak, getEventListeners(ac.signal, 'abort').length);
      if (outcome === 2) await clock.advance(10);
      await p;
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
    assert.ok(peak <= 1, `at most the one pending call listens (peak ${peak})`);
    assert.equal(clock.dueTimes.length, 0);
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  } finally {
    process.off('warning', onWarning);
  }
});
