import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDeadline } from '../../src/netlink/deadline.js';
import {
  isNetlinkError,
  mapNetlinkError,
  NetlinkAbortError,
  NetlinkError,
  NetlinkTimeoutError,
} from '../../src/netlink/errors.js';

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

test('withDeadline maps rejections, times out, and honours an AbortSignal', async () => {
  await assert.rejects(
    withDeadline('addAddress', () => Promise.reject(new Error('Request rejected: EEXIST')), 1000),
    (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST',
  );
  const never = () => new Promise<never>(() => undefined);
  await assert.rejects(withDeadline('slow', never, 20), NetlinkTimeoutError);
  const ac = new AbortController();
  const q = withDeadline('aborted', never, 10_000, ac.signal);
  ac.abort();
  await assert.rejects(q, NetlinkAbortError);
  await assert.rejects(
    withDeadline('pre-aborted', () => Promise.resolve(1), 1000, ac.signal),
    NetlinkAbortError,
  );
  assert.equal(await withDeadline('fast', () => Promise.resolve(42), 1000), 42);
});
