/**
 * Round-trip and signal-delivery latency through the private bus (simulator and raw client in one
 * process, one clock). The bounds are generous — they catch a pathological regression (e.g. a
 * per-call Introspect or a timer in the call path), not noise; the figures go to the diagnostics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { I, startFixture } from './raw-client.js';

function stats(samples: number[]): { median: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { median: at(0.5), p99: at(0.99) };
}

const ms = (ns: bigint): number => Number(ns) / 1e6;

test('method round trip and PropertiesChanged delivery are sub-10 ms at the median', async (t) => {
  const f = await startFixture(t);
  if (!f) return;
  const { sim, client } = f;
  const path = sim.addModem({ id: 'A', signal: { lte: { rsrp: -80 } } });
  await client.call(path, I.modem, 'Enable', 'b', [true]);
  await client.call(path, I.signal, 'Setup', 'u', [1]);

  const rtt: number[] = [];
  for (let i = 0; i < 550; i++) {
    const t0 = process.hrtime.bigint();
    await client.call(path, I.simple, 'GetStatus');
    if (i >= 50) rtt.push(ms(process.hrtime.bigint() - t0));
  }

  const delivery: number[] = [];
  for (let i = 0; i < 300; i++) {
    const from = client.signals.length;
    const rsrp = -81 - (i % 40);
    const t0 = process.hrtime.bigint();
    sim.setSignal('A', 'lte', { rsrp });
    await client.waitSignal(
      (s) =>
        s.member === 'PropertiesChanged' &&
        s.args[0] === I.signal &&
        (s.args[1] as Record<string, Record<string, number>>).Lte?.rsrp === rsrp,
      from,
    );
    delivery.push(ms(process.hrtime.bigint() - t0));
  }

  const r = stats(rtt);
  const d = stats(delivery);
  t.diagnostic(
    `GetStatus round trip: median ${r.median.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms (n=${rtt.length})`,
  );
  t.diagnostic(
    `PropertiesChanged delivery: median ${d.median.toFixed(3)} ms, p99 ${d.p99.toFixed(3)} ms (n=${delivery.length})`,
  );
  assert.ok(r.median < 10, `round trip median ${r.median} ms`);
  assert.ok(d.median < 10, `signal delivery median ${d.median} ms`);
});
