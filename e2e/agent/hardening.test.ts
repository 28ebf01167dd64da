/**
 * The agent under bad input and a flapping network, end to end (`mmagent run` in a netns against the
 * simulator): bad config files never stop it nor reach ModemManager, a drop right after a reconnect is
 * answered at once, and the files it writes give nothing away.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { skipUnless } from '../harness/require.js';
import {
  type AgentWorld,
  cfgOf,
  kernelEventually,
  modemA,
  needs,
  net,
  network,
  online,
  withAgentWorld,
} from './world.js';

/** Waits (bounded) until the simulator has seen a Connect since `mark`; returns when it arrived. */
async function connectSince(w: AgentWorld, mark: number, what: string, timeoutMs = 10_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = w.sim.recorder.stateChangingCalls({ since: mark }).find((x) => x.member === 'Connect');
    if (c) return c.time;
    assert.ok(Date.now() < end, `no Connect within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('mmagent run: bad input and a flapping network', () => {
  test('bad config files are reported, change nothing and stop nothing: the config in force still reconnects, a good one applies', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(network('modem-a', 'wwan0'));
    await withAgentWorld({ modems: [modemA()], config }, async (w) => {
      await w.waitStatus(online('modem-a'), 'modem-a online');
      await kernelEventually(w, 'wwan0', (x) => x.addrs.length === 2 && x.routes.length === 2);
      await w.settle();
      const bad: { what: string; content: string | Uint8Array; error: RegExp }[] = [
        {
          what: '200,000 unclosed [',
          content: '['.repeat(200_000),
          error: /invalid JSON in .*wwan-config\.json/,
        },
        {
          what: "a LogicalLabel with '/'",
          content: JSON.stringify(cfgOf(network('modem/a', 'wwan0'))),
          error: /LogicalLabel/,
        },
        {
          what: 'MTU 1',
          content: JSON.stringify(cfgOf(network('modem-a', 'wwan0', { MTU: 1 }))),
          error: /MTU/,
        },
        {
          what: 'a global config given as the WwanConfig',
          content: JSON.stringify({ GlobalSettings: { 'debug.default.loglevel': { StrValue: 'info' } } }),
          error: /global config|GlobalSettings/i,
        },
        {
          what: 'invalid UTF-8',
          content: Buffer.concat([Buffer.from('{"DPCKey":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
          error: /UTF-8/,
        },
      ];
      for (const b of bad) {
        const mark = w.sim.recorder.mark();
        await w.writeConfig(b.content);
        const s = await w.waitStatus((x) => b.error.test(net(x, 'modem-a')?.ConfigError ?? ''), b.what);
        assert.match(
          net(s, 'modem-a')?.ConfigError ?? '',
          /wwan-config\.json/,
          `${b.what}: the file is named`,
        );
        await w.settle(300);
        assert.deepEqual(
          w.sim.recorder.stateChangingCalls({ since: mark }).map((c) => c.member),
          [],
          `${b.what}: nothing reached ModemManager`,
        );
      }
      // The config in force is still served: a drop is answered although the file on disk is bad.
      const mark = w.sim.recorder.mark();
      const dropAt = Date.now();
      w.sim.dropBearer('A');
      const at = await connectSince(w, mark, 'reconnect while the file is bad');
      t.diagnostic(`with a bad file on disk, Connect ${at - dropAt} ms after the drop`);
      await w.waitStatus(online('modem-a'), 'online again');
      // A good config applies at once.
      await w.writeConfig(cfgOf(network('modem-a', 'wwan0', { MTU: 1400 })));
      await w.waitStatus((x) => (net(x, 'modem-a')?.ConfigError ?? 'x') === '', 'ConfigError cleared');
      await kernelEventually(w, 'wwan0', (x) => x.mtu === 1400);
    });
  });

  test('a drop a few milliseconds after a reconnect is answered in milliseconds; a bearer that keeps dropping is damped, and the status says so', async (t) => {
    if (skipUnless(t, needs)) return;
    const config = cfgOf(network('modem-a', 'wwan0'));
    await withAgentWorld({ modems: [modemA()], config }, async (w) => {
      await w.waitStatus(online('modem-a'), 'modem-a online');
      await w.settle();
      /** Drops the bearer the moment it is up again (polling every ms); returns when it dropped. */
      const dropWhenUp = async (what: string, timeoutMs = 10_000) => {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const mark = w.sim.recorder.mark();
          if (w.sim.dropBearer('A').length > 0) return { at: Date.now(), mark };
          assert.ok(Date.now() < end, `the bearer never came up: ${what}`);
          await new Promise((r) => setTimeout(r, 1));
        }
      };
      const first = w.sim.recorder.mark();
      w.sim.dropBearer('A');
      await connectSince(w, first, 'reconnect after the first drop');
      const drop = await dropWhenUp('the reconnect');
      const at = await connectSince(
        w,
        drop.mark,
        'reconnect after the drop right after the reconnect',
        5_000,
      );
      t.diagnostic(`drop right after a reconnect -> Connect in ${at - drop.at} ms`);
      assert.ok(at - drop.at < 1000, `answered in ${at - drop.at} ms`);

      // Keep dropping it whenever it is up, for 20 s: the reconnects are spaced out, growing.
      const start = Date.now();
      const mark = w.sim.recorder.mark();
      let drops = 0;
      let held = '';
      while (Date.now() - start < 20_000) {
        if (w.sim.dropBearer('A').length > 0) drops++;
        const ce = net((await w.readStatus()) ?? {}, 'modem-a')?.ConfigError ?? '';
        if (ce.includes('held back')) held = ce;
        await new Promise((r) => setTimeout(r, 5));
      }
      const connects = w.sim.recorder
        .stateChangingCalls({ since: mark })
        .filter((c) => c.member === 'Connect');
      t.diagnostic(
        `a bearer dropped whenever up for 20 s: ${drops} drops, ${connects.length} Connects; status: "${held}"`,
      );
      assert.ok(connects.length <= 10, `${connects.length} Connects in 20 s`);
      assert.match(held, /connect held back: damped/);
      const gaps = connects.slice(1).map((c, i) => c.time - connects[i]!.time);
      t.diagnostic(`gaps between Connects: ${gaps.join(', ')} ms`);
    });
  });

  test('files only root needs are 0600, and no output holds an unkeyed digest of the credentials', async (t) => {
    if (skipUnless(t, needs)) return;
    const user = 'user';
    const password = 'hunter2';
    const config = cfgOf(
      network('modem-a', 'wwan0', {
        AccessPoint: {
          Activated: true,
          APN: 'internet',
          IPType: 'ipv4v6',
          CleartextCredentials: { Username: user, Password: password },
        },
      }),
    );
    await withAgentWorld({ modems: [modemA()], config }, async (w) => {
      await w.waitStatus(online('modem-a'), 'modem-a online');
      await w.settle();
      for (const f of ['wwan-graph.json', 'wwan-graph.dot']) {
        const st = await stat(join(w.statusDir, f));
        assert.equal(st.mode & 0o777, 0o600, `${f} is 0600`);
      }
      for (const f of ['WwanStatus.json', 'WwanMetrics.json']) {
        const st = await stat(join(w.statusDir, f));
        assert.equal(st.mode & 0o777, 0o644, `${f} stays readable by other EVE services`);
      }
      const sha = createHash('sha256').update(`${user}\u0000${password}`).digest('hex');
      const graph = await readFile(join(w.statusDir, 'wwan-graph.json'), 'utf8');
      const digest = /"credentials":\s*"([0-9a-f]+)"/.exec(graph)?.[1];
      assert.ok(digest, 'the spec carries a digest, so a password change is still a change');
      assert.ok(!sha.startsWith(digest), 'the digest is not a prefix of SHA-256(user, password)');
      for (const f of ['WwanStatus.json', 'WwanMetrics.json', 'wwan-graph.json', 'wwan-graph.dot']) {
        const text = await readFile(join(w.statusDir, f), 'utf8');
        assert.ok(!text.includes(password) && !text.includes(sha.slice(0, 12)), `${f} gives nothing away`);
      }
    });
  });
});
