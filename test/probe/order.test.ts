/** probeInOrder's logic: order, first success wins, EVE's "; " join, abort stops the rest. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInOrder } from '../../src/probe/probe.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from '../../src/probe/types.js';

const tcp: ProbeTarget = { kind: 'tcp', host: '10.0.0.1', port: 8080 };
const dns1: ProbeTarget = { kind: 'dns', server: '10.0.0.53' };
const dns2: ProbeTarget = { kind: 'dns', server: '10.0.0.54' };
const icmp: ProbeTarget = { kind: 'icmp', host: '8.8.8.8' };
const opts: ProbeOptions = { ifname: 'wwan0', source: '10.0.0.2', timeoutMs: 5000 };

/** A probe that answers from a table (address → error, or success) and records the calls. */
function scripted(outcomes: Record<string, string | 'ok'>, onCall?: (t: ProbeTarget) => void) {
  const calls: string[] = [];
  const probe = async (t: ProbeTarget): Promise<ProbeResult> => {
    const address = t.kind === 'dns' ? t.server : t.host;
    calls.push(address);
    onCall?.(t);
    const outcome = outcomes[address] ?? 'ok';
    return outcome === 'ok' ? { ok: true, target: t, rttMs: 1 } : { ok: false, target: t, error: outcome };
  };
  return { probe, calls };
}

test('targets run in the given order and the first success ends the run with no error', async () => {
  const s = scripted({ '10.0.0.1': 'dial tcp 10.0.0.1:8080: i/o timeout', '10.0.0.53': 'ok' });
  const r = await runInOrder([tcp, dns1, dns2, icmp], opts, s.probe);
  assert.deepEqual(s.calls, ['10.0.0.1', '10.0.0.53']);
  assert.equal(r.ok, true);
  assert.equal(r.error, '');
  assert.deepEqual(
    r.results.map((x) => x.ok),
    [false, true],
  );
});

test('when every target fails, the errors are joined with "; " in order (EVE)', async () => {
  const s = scripted({
    '10.0.0.1': 'dial tcp 10.0.0.1:8080: connect: connection refused',
    '10.0.0.53': 'dns query to 10.0.0.53:53: i/o timeout',
    '10.0.0.54': 'dns query to 10.0.0.54:53: i/o timeout',
    '8.8.8.8': 'no ping response received from 8.8.8.8',
  });
  const r = await runInOrder([tcp, dns1, dns2, icmp], opts, s.probe);
  assert.equal(r.ok, false);
  assert.equal(r.results.length, 4);
  assert.equal(
    r.error,
    'dial tcp 10.0.0.1:8080: connect: connection refused; dns query to 10.0.0.53:53: i/o timeout; ' +
      'dns query to 10.0.0.54:53: i/o timeout; no ping response received from 8.8.8.8',
  );
});

test('a success after failures keeps the failures in results but not in error', async () => {
  const s = scripted({ '10.0.0.1': 'x', '10.0.0.53': 'y' });
  const r = await runInOrder([tcp, dns1, icmp], opts, s.probe);
  assert.equal(r.ok, true);
  assert.equal(r.error, '');
  assert.deepEqual(
    r.results.map((x) => (x.ok ? 'ok' : x.error)),
    ['x', 'y', 'ok'],
  );
});

test('no targets: not ok, with a reason', async () => {
  const r = await runInOrder([], opts, scripted({}).probe);
  assert.deepEqual(r, { ok: false, results: [], error: 'no probe targets' });
});

test('an abort during a target stops the run: the remaining targets are not tried', async () => {
  const ac = new AbortController();
  const s = scripted({ '10.0.0.1': 'dial tcp 10.0.0.1:8080: aborted', '10.0.0.53': 'z' }, (t) => {
    if (t.kind === 'tcp') ac.abort();
  });
  const r = await runInOrder([tcp, dns1, icmp], { ...opts, signal: ac.signal }, s.probe);
  assert.deepEqual(s.calls, ['10.0.0.1']);
  assert.equal(r.ok, false);
  assert.equal(r.error, 'dial tcp 10.0.0.1:8080: aborted');
});
