/**
 * The demo's story, seven steps, each told the same way: what is done, what the demo waits for, the
 * agent's plan (from its per-reconcile log), the ModemManager calls per modem, the netlink work and,
 * as root, the kernel's wwan links; then the status of each modem.
 */
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { RecordedCall } from '../mmsim/recorder.js';
import type { ModemManagerSimulator } from '../mmsim/simulator.js';
import type { WwanConfig, WwanNetworkStatus, WwanStatus } from '../schemas/types.generated.js';
import type { AgentProcess, LogLine } from './agent-process.js';
import {
  callLines,
  type IpJson,
  kernelLine,
  netlinkRequests,
  netlinkSteps,
  planLines,
  statusLines,
} from './narrate.js';
import { until } from './wait.js';

export interface Stage {
  readonly say: (s?: string) => void;
  readonly signal: AbortSignal;
  readonly sim: ModemManagerSimulator;
  readonly agent: AgentProcess;
  /** The status file the agent writes. */
  readonly statusFile: string;
  writeConfig(cfg: WwanConfig): Promise<void>;
  readStatus(): Promise<WwanStatus | undefined>;
  /** The kernel of the demo's namespace (root only). */
  readonly ip: IpJson | undefined;
}

/** The modems of the story: config label, simulator id, interface. */
const MODEMS = [
  { label: 'modem-a', id: 'A', ifname: 'wwan0' },
  { label: 'modem-b', id: 'B', ifname: 'wwan1' },
] as const;
type Label = (typeof MODEMS)[number]['label'];

const net = (s: WwanStatus | undefined, label: string): WwanNetworkStatus | undefined =>
  (s?.Networks ?? []).find((n) => n.LogicalLabel === label);
/** Connected with an address and nothing pending. */
/**
 * Connected with an address and nothing pending; without the network side, nothing pending but the
 * interface the agent cannot find.
 */
const inForceWith = (networkSide: boolean) => (s: WwanStatus | undefined, label: string) => {
  const n = net(s, label);
  const pending = n?.ConfigError ?? '';
  return (
    !!n &&
    n.Module.OpMode === 'online-and-connected' &&
    n.IPSettings.Address !== null &&
    (pending === '' || (!networkSide && /waits for net\.interface\//.test(pending)))
  );
};

/** `items` joined with ', ' in lines of at most `width` characters. */
function wrap(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const it of items) {
    if (cur !== '' && cur.length + it.length + 2 > width) {
      lines.push(`${cur},`);
      cur = it;
    } else cur = cur === '' ? it : `${cur}, ${it}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

export async function playStory(st: Stage, base: WwanConfig): Promise<void> {
  const { say, sim, agent, signal } = st;
  const inForce = inForceWith(st.ip !== undefined);
  // Calls are attributed to a modem when they arrive (its object paths change on replug).
  const owner = new Map<string, Label>();
  const ownerOf = (path: string): Label | undefined => {
    const known = owner.get(path);
    if (known) return known;
    for (const m of MODEMS) {
      let modem: ReturnType<ModemManagerSimulator['modem']>;
      try {
        modem = sim.modem(m.id);
      } catch {
        continue; // unplugged
      }
      if (path.startsWith(modem.path) || modem.bearers.some((b) => b.path === path)) {
        owner.set(path, m.label);
        return m.label;
      }
    }
    return undefined;
  };
  sim.recorder.onCall((c) => void ownerOf(c.path));
  const callsOf = (label: Label, since: number, member?: string) =>
    sim.recorder
      .stateChangingCalls({ since })
      .filter((c) => ownerOf(c.path) === label && (member === undefined || c.member === member));

  const waitStatus = (what: string, pred: (s: WwanStatus | undefined) => boolean, timeoutMs = 15_000) => {
    say(`  … waiting for ${what}`);
    let last: WwanStatus | undefined;
    return until(
      what,
      async () => {
        if (!agent.running) throw new Error(`the agent exited: ${agent.stderr.trim()}`);
        last = await st.readStatus();
        return pred(last) ? last : undefined;
      },
      { signal, timeoutMs, describe: () => statusLines(last).join(' | ') },
    );
  };
  const waitCall = (
    what: string,
    label: Label,
    member: string,
    since: number,
    pred = (_c: RecordedCall) => true,
  ) => {
    say(`  … waiting for ${what}`);
    return until(what, () => callsOf(label, since, member).find(pred), { signal, timeoutMs: 20_000 });
  };
  const waitKernel = (what: string, ifname: string, pred: (line: string) => boolean) => {
    const ip = st.ip;
    if (!ip) return Promise.resolve();
    say(`  … waiting for the kernel: ${what}`);
    return until(what, () => (pred(kernelLine(ip, ifname)) ? true : undefined), {
      signal,
      describe: () => kernelLine(ip, ifname),
    });
  };
  const bothInForce = (s: WwanStatus | undefined) => inForce(s, 'modem-a') && inForce(s, 'modem-b');
  const kernelUp = async () => {
    await waitKernel('addresses and default routes on wwan0 and wwan1', 'wwan0', (l) =>
      l.includes('via 10.64.64.9'),
    );
    await waitKernel(
      'the address of modem-b on wwan1',
      'wwan1',
      (l) => l.includes('10.99.0.7/32') && l.includes('route default'),
    );
  };

  let n = 0;
  const pending = { last: new Set<string>() as ReadonlySet<string> };
  /**
   * One step: its title, then `body` acts and waits; its account (plans, calls, netlink, kernel,
   * status) follows, also at each `part` of a step in two parts.
   */
  const step = async (
    title: string,
    body: (since: number, from: number, part: (what: string) => Promise<void>) => Promise<void>,
    last = 'what happened',
  ) => {
    n++;
    say(`\n== ${n}/7 ${title}`);
    const cur = { since: Date.now(), from: agent.logs.length };
    const account = async (what: string) => {
      say('  … waiting for the agent to finish (no reconcile for 400 ms)');
      await agent.settle(signal);
      say(`  -- ${what}`);
      await report(cur.since, cur.from);
      cur.since = Date.now();
      cur.from = agent.logs.length;
    };
    await body(cur.since, cur.from, account);
    await account(last);
  };
  const report = async (since: number, from: number) => {
    const lines: readonly LogLine[] = agent.logs.slice(from);
    const plans = planLines(lines, pending);
    say(
      plans.length > 0
        ? "  the agent's plan (its per-reconcile log; + create, ~ modify, -/+ recreate, - delete, … pending):"
        : "  the agent's plan: no change",
    );
    for (const l of plans) say(l);
    const owners = MODEMS.map((m) => ({ label: m.label, owns: (p: string) => ownerOf(p) === m.label }));
    for (const l of callLines(sim.recorder.stateChangingCalls({ since }), owners)) say(l);
    const ops = netlinkSteps(lines);
    say(`  netlink: ${netlinkRequests(lines)} requests${ops.length > 0 ? ':' : ''}`);
    for (const l of wrap(ops, 100)) say(`    ${l}`);
    if (st.ip) for (const m of MODEMS) say(kernelLine(st.ip, m.ifname));
    for (const l of statusLines(await st.readStatus())) say(l);
  };

  let cfg = structuredClone(base);
  const apply = async (next: WwanConfig, what: string) => {
    cfg = next;
    say(`  config: ${what}`);
    await st.writeConfig(cfg);
  };
  const edit = (label: Label, f: (n: NonNullable<WwanConfig['Networks']>[number]) => void) => {
    const next = structuredClone(cfg);
    const nw = next.Networks?.find((x) => x.LogicalLabel === label);
    if (nw) f(nw);
    return next;
  };

  await step(
    'two modems come online: modem-a dual-stack (ipv4v6) on wwan0, modem-b IPv4 with an attach APN on wwan1',
    async () => {
      await apply(cfg, 'docs/examples/demo-config.json (two networks, probing off until step 5)');
      await waitStatus('both modems online-and-connected, nothing pending (status file)', bothInForce);
      await kernelUp();
    },
  );

  await step(
    'APN change on modem-a (internet -> internet.v2): modem-a reconnects, modem-b is not touched',
    async (since) => {
      await apply(
        edit('modem-a', (x) => {
          x.AccessPoint!.APN = 'internet.v2';
        }),
        'modem-a AccessPoint.APN = "internet.v2"',
      );
      await waitCall("modem-a's Connect with the new APN", 'modem-a', 'Connect', since);
      await waitStatus('modem-a online again', (s) => inForce(s, 'modem-a'));
      await waitKernel("modem-a's addresses back on wwan0", 'wwan0', (l) => l.includes('via 10.64.64.9'));
    },
  );

  await step(
    'MTU-only change on modem-b (0 -> 1400): one netlink request, no ModemManager call',
    async () => {
      await apply(
        edit('modem-b', (x) => {
          x.MTU = 1400;
        }),
        'modem-b MTU = 1400',
      );
      if (st.ip) await waitKernel('wwan1 mtu 1400', 'wwan1', (l) => l.includes('mtu 1400'));
      else say('  (no root: wwan1 does not exist here, so the link item waits for it and nothing changes)');
    },
  );

  await step('bearer drop on modem-b and its reconnect', async () => {
    const mark = Date.now();
    say("  simulator: modem-b's bearer dropped by the network (NoCarrier)");
    const droppedAt = performance.now();
    sim.dropBearer('B');
    const connect = await waitCall("modem-b's Connect", 'modem-b', 'Connect', mark);
    await waitStatus('modem-b online again (a status file written after the drop)', (s) =>
      inForce(s, 'modem-b'),
    );
    await until(
      'a status written after the drop',
      async () => ((await stat(st.statusFile)).mtimeMs >= mark ? true : undefined),
      { signal },
    );
    if (st.ip)
      await waitKernel(
        "modem-b's address on wwan1",
        'wwan1',
        (l) => l.includes('10.99.0.7/32') && l.includes('route default'),
      );
    const onlineAt = performance.now();
    say(
      `  latency: drop -> Connect ${(connect.at - droppedAt).toFixed(1)} ms (on the bus), drop -> online again ${(onlineAt - droppedAt).toFixed(0)} ms (status file${st.ip ? ' and kernel' : ''}, polled every 20 ms)`,
    );
  });

  await step(
    'a connectivity probe failure on modem-a and its escalation (reconnect, then disable/enable)',
    async (since, from) => {
      say(
        st.ip
          ? '  wwan0 is a tun device whose holder discards every packet: the probes get no answer'
          : "  no root: modem-a's address is on no interface here, so the probes cannot even be sent",
      );
      say(
        '  global settings (docs/examples/demo-global-config.json): wwan.probe.interval 10 s (its minimum), timeout 1 s, threshold 1, cooldowns 0',
      );
      await apply(
        edit('modem-a', (x) => {
          x.Probe = { Disable: false };
        }),
        'modem-a Probe.Disable = false: the first probe one interval (10 s) from now',
      );
      const t0 = Date.now();
      const ago = (l: LogLine) => `+${((Date.parse(l.time ?? '') - t0) / 1000).toFixed(1)} s`;
      const failed = (k: number) =>
        agent.waitLog(
          `probe failure #${k}`,
          (l) => l.msg === 'connectivity probe failed' && l.failures !== undefined,
          { signal, from, timeoutMs: 25_000 },
        );
      say('  … waiting for the first probe to fail (10 s)');
      const f1 = await failed(1);
      say(`  ${ago(f1)} probe failed: ${String(f1.err)}`);
      const due1 = await agent.waitLog(
        'repair step reconnect',
        (l) => l.msg === 'connectivity repair due' && l.step === 'reconnect',
        { signal, from },
      );
      say(`  ${ago(due1)} repair due: reconnect (round ${String(due1.round)})`);
      const disc = await waitCall("the reconnect's Disconnect", 'modem-a', 'Disconnect', since);
      await waitCall('modem-a connected again', 'modem-a', 'Connect', since, (c) => c.time >= disc.time);
      await waitStatus('modem-a online after the reconnect', (s) => inForce(s, 'modem-a'));
      say('  … waiting for the next probe (10 s after the reconnect), which fails again');
      const due2 = await agent.waitLog(
        'repair step reenable',
        (l) => l.msg === 'connectivity repair due' && l.step === 'reenable',
        { signal, from, timeoutMs: 25_000 },
      );
      say(`  ${ago(due2)} repair due: reenable (round ${String(due2.round)}): the next rung of the ladder`);
      const off = await waitCall('Enable(false)', 'modem-a', 'Enable', since, (c) => c.args[0] === false);
      await waitCall(
        'Enable(true) by the radio item',
        'modem-a',
        'Enable',
        since,
        (c) => c.args[0] === true && c.time >= off.time,
      );
      await waitStatus('modem-a online after the disable/enable', (s) => inForce(s, 'modem-a'));
      await apply(
        edit('modem-a', (x) => {
          x.Probe = { Disable: true };
        }),
        'modem-a Probe.Disable = true again (the next rung would be Modem.Reset)',
      );
    },
  );

  await step(
    'radio silence on, then off',
    async (_since, _from, part) => {
      await apply({ ...cfg, RadioSilence: true }, 'RadioSilence = true');
      await waitStatus(
        'both radios off',
        (s) =>
          net(s, 'modem-a')?.Module.OpMode === 'radio-off' &&
          net(s, 'modem-b')?.Module.OpMode === 'radio-off',
      );
      await part('radio silence on');
      await apply({ ...cfg, RadioSilence: false }, 'RadioSilence = false');
      await waitStatus('both modems online again', bothInForce);
      await kernelUp();
    },
    'radio silence off',
  );

  await step(
    'modem-b unplugged, then plugged in again',
    async (_since, _from, part) => {
      say('  simulator: modem-b unplugged (its objects vanish from ModemManager)');
      sim.unplug('B');
      await waitStatus(
        'modem-b reported missing',
        (s) => (net(s, 'modem-b')?.ConfigError ?? '') !== '' && !inForce(s, 'modem-b'),
      );
      const st1 = await st.readStatus();
      say(`  modem-b: ${net(st1, 'modem-b')?.ConfigError}`);
      await part('unplugged');
      say('  simulator: modem-b plugged in again (a new object path, powered down as after a power cycle)');
      sim.replug('B');
      await waitStatus('modem-b online again', (s) => inForce(s, 'modem-b'));
      await waitKernel(
        'the address of modem-b on wwan1',
        'wwan1',
        (l) => l.includes('10.99.0.7/32') && l.includes('route default'),
      );
    },
    'plugged in again',
  );
}
