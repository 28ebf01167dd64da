import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { withNetlinkDeadline } from '../../src/netlink/deadline.js';
import {
  isNetlinkError,
  mapNetlinkError,
  NetlinkAbortError,
  NetlinkError,
  NetlinkTimeoutError,
} from '../../src/netlink/errors.js';
import { FakeClock } from '../reconciler/harness.js';

const never = () => new Promise<never>(() => undefined);

test('the library\'s "Request rejected: CODE" becomes a typed error with that code', () => {
  for (const code of ['EEXIST', 'ENODEV', 'ESRCH', 'ENOENT', 'EADDRNOTAVAIL', 'ENETUNREACH']) {
    const e = mapNetlinkError(new Error(`Request rejected: ${code}`), 'addRoute wwan0 default');
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, code);
    assert.match(e.message, new RegExp(`^addRoute wwan0 default: ${code}$`));
    assert.ok(isNetlinkError(e, code));
    assert.ok(!isNetlinkError(e, 'EPERM'));
  }
});

test('an errno unknown to Node (numeric) is kept as its number', () => {
  const e = mapNetlinkError(new Error('Request rejected: 5000'), 'op');
  assert.ok(e instanceof NetlinkError);
  assert.equal(e.code, '5000');
});

test('other errors pass through unchanged; socket errors with a code are typed', () => {
  const plain = new Error('Timeout has been reached');
  assert.equal(mapNetlinkError(plain, 'op'), plain);
  const sock = Object.assign(new Error('send failed'), { code: 'ENOBUFS' });
  const e = mapNetlinkError(sock, 'op');
  assert.ok(e instanceof NetlinkError && e.code === 'ENOBUFS');
  assert.ok(!(mapNetlinkError('x', 'op') instanceof NetlinkError));
});

test('withNetlinkDeadline maps rejections and synchronous throws to typed errors', async () => {
  await assert.rejects(
    withNetlinkDeadline('addAddress', () => Promise.reject(new Error('Request rejected: EEXIST')), 1000),
    (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST' && e.operation === 'addAddress',
  );
  await assert.rejects(
    withNetlinkDeadline(
      'send',
      () => {
        throw Object.assign(new Error('send failed'), { code: 'ENOBUFS' });
      },
      1000,
    ),
    (e: unknown) => e instanceof NetlinkError && e.code === 'ENOBUFS',
  );
  assert.equal(await withNetlinkDeadline('fast', () => Promise.resolve(42), 1000), 42);
});

test('withNetlinkDeadline times out at the deadline (injected clock), not before', async () => {
  const clock = new FakeClock();
  let settled = false;
  const p = withNetlinkDeadline('slow', never, 500, undefined, clock);
  p.catch(() => {
    settled = true;
  });
  await clock.advance(499);
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false);
  await clock.advance(1);
  const err = await p.catch((e: unknown) => e);
  assert.ok(err instanceof NetlinkTimeoutError);
  assert.equal(err.operation, 'slow');
  assert.equal(err.timeoutMs, 500);
  assert.equal(clock.dueTimes.length, 0);
});

test('withNetlinkDeadline honours an AbortSignal (with its reason) and does not start pre-aborted work', async () => {
  const ac = new AbortController();
  const q = withNetlinkDeadline('aborted', never, 10_000, ac.signal);
  ac.abort(new Error('shutting down'));
  const err = await q.catch((e: unknown) => e);
  assert.ok(err instanceof NetlinkAbortError);
  assert.match(String((err.cause as Error).message), /shutting down/);
  let started = false;
  await assert.rejects(
    withNetlinkDeadline(
      'pre-aborted',
      () => {
        started = true;
        return Promise.resolve(1);
      },
      1000,
      ac.signal,
    ),
    NetlinkAbortError,
  );
  assert.equal(started, false);
});

test('1,000 netlink deadlines on one signal leave no abort listener and raise no warning', async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    for (let i = 0; i < 1000; i++) {
      const kind = i % 3;
      const run =
        kind === 0
          ? () => Promise.resolve(i)
          : kind === 1
            ? () => Promise.reject(new Error('Request rejected: EEXIST'))
            : never;
      const p = withNetlinkDeadline(`op${i}`, run, 10, ac.signal, clock).catch((e: unknown) => e);
      assert.ok(getEventListeners(ac.signal, 'abort').length <= 1);
      if (kind === 2) await clock.advance(10);
      const r = await p;
      if (kind === 1) assert.ok(r instanceof NetlinkError);
      if (kind === 2) assert.ok(r instanceof NetlinkTimeoutError);
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  } finally {
    process.off('warning', onWarning);
  }
});
