/** attempt(): settles once, cleans up once, never rejects, whichever of result/timeout/abort/throw comes first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attempt } from '../../src/probe/attempt.js';

const outcomes = {
  onTimeout: () => 'timeout',
  onAbort: () => 'abort',
  onError: (err: unknown) => `error: ${(err as Error).message}`,
};

test('the first of result and timeout wins; the cleanup runs once, after the result', async () => {
  let cleanups = 0;
  const r = await attempt({ timeoutMs: 1000, ...outcomes }, (finish) => {
    setTimeout(() => {
      finish('result');
      finish('second result');
    }, 5);
    return () => cleanups++;
  });
  assert.equal(r, 'result');
  assert.equal(cleanups, 1);

  const t0 = performance.now();
  const late = await attempt({ timeoutMs: 20, ...outcomes }, () => () => cleanups++);
  assert.equal(late, 'timeout');
  assert.ok(performance.now() - t0 >= 19);
  assert.equal(cleanups, 2);
});

test('finish() called inside start(): the cleanup returned afterwards still runs', async () => {
  let cleaned = false;
  const r = await attempt({ timeoutMs: 1000, ...outcomes }, (finish) => {
    finish('at once');
    return () => {
      cleaned = true;
    };
  });
  assert.equal(r, 'at once');
  assert.equal(cleaned, true);
});

test('a throwing start() becomes onError; a throwing cleanup is swallowed', async () => {
  const r = await attempt({ timeoutMs: 1000, ...outcomes }, () => {
    throw new Error('socket() failed');
  });
  assert.equal(r, 'error: socket() failed');
  const r2 = await attempt({ timeoutMs: 1000, ...outcomes }, (finish) => {
    setTimeout(() => finish('fine'), 1);
    return () => {
      throw new Error('close failed');
    };
  });
  assert.equal(r2, 'fine');
});

test('an abort wins over a pending result; an aborted signal never calls start()', async () => {
  const ac = new AbortController();
  let cleaned = 0;
  setTimeout(() => ac.abort(), 5);
  const r = await attempt({ timeoutMs: 1000, signal: ac.signal, ...outcomes }, () => () => cleaned++);
  assert.equal(r, 'abort');
  assert.equal(cleaned, 1);
  let started = false;
  const r2 = await attempt({ timeoutMs: 1000, signal: ac.signal, ...outcomes }, () => {
    started = true;
    return () => undefined;
  });
  assert.equal(r2, 'abort');
  assert.equal(started, false);
});
