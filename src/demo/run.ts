/**
 * `mmagent demo`: the whole story of the agent on the ModemManager simulator, narrated (story.ts).
 *
 * Order: the visualizer's URL first (a person opens it and watches the graph change), then a private
 * dbus-daemon, the simulator (in this process), as root a network namespace with tun devices
 * wwan0/wwan1 (so the agent's netlink work is real), and the real `mmagent run` in it. Everything
 * started is stopped at the end, and also when the demo is interrupted at any point.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilAborted } from '../../reconciler/deadline.js';
import { startPrivateBus } from '../mmsim/private-bus.js';
import { loadScenario } from '../mmsim/scenario.js';
import { ModemManagerSimulator } from '../mmsim/simulator.js';
import { packageFile } from '../repo-files.js';
import { stopByStdin } from '../sandbox/child.js';
import { type Netns, withNetns } from '../sandbox/netns.js';
import type { WwanConfig, WwanStatus } from '../schemas/types.generated.js';
import { validateWwanConfig } from '../schemas/validate.js';
import { AgentProcess } from './agent-process.js';
import { catchInterrupts } from './interrupt.js';
import { playStory } from './story.js';
import { Teardown } from './teardown.js';
import { startNsBridge, VisualizerProxy } from './visualizer-proxy.js';
import { Interrupted, throwIfAborted } from './wait.js';

export interface DemoOptions {
  /** Wait for Ctrl-C at the end with the visualizer up (default: when stdout is a terminal). */
  readonly wait?: boolean;
}

export interface DemoIo {
  readonly stdout: {
    write(s: string): unknown;
    readonly isTTY?: boolean;
    on?(event: 'error', listener: (err: Error) => void): unknown;
    off?(event: 'error', listener: (err: Error) => void): unknown;
  };
  readonly stderr: { write(s: string): unknown };
}

const IFNAMES = ['wwan0', 'wwan1'] as const;

/** Why the network side cannot be shown here, or undefined when it can. */
function whyNoNetwork(): string | undefined {
  if (process.env.MMAGENT_DEMO_NO_NETNS)
    return 'MMAGENT_DEMO_NO_NETNS is set (as when not root: no namespace, no tun devices)';
  if (process.getuid?.() !== 0)
    return 'not root: a network namespace and tun devices need CAP_SYS_ADMIN and CAP_NET_ADMIN';
  for (const cmd of ['ip', 'python3']) {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    } catch {
      return `no ${cmd} on PATH (${cmd === 'ip' ? 'Debian package iproute2' : 'it holds the tun devices open'})`;
    }
  }
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (the tun driver)';
  return undefined;
}

export async function runDemoStory(io: DemoIo, opts: DemoOptions = {}): Promise<number> {
  let muted = false;
  const say = (s = '') => {
    if (!muted) io.stdout.write(`${s}\n`);
  };
  const wait = opts.wait ?? io.stdout.isTTY === true;
  const interrupts = catchInterrupts(say);
  // Nobody reads the output any more (e.g. `| head`): stop the story, still clean up.
  const onOutputError = () => {
    muted = true;
    interrupts.interrupt('SIGPIPE');
  };
  io.stdout.on?.('error', onOutputError);
  const { signal } = interrupts;
  const teardown = new Teardown();
  let code = 0;
  let storyDone = false;
  let innerFailed = 0;
  let storyFailed = false;
  try {
    const proxy = await VisualizerProxy.listen();
    teardown.add(`closing the visualizer address ${proxy.url}`, () => proxy.close());
    say(`Visualizer: ${proxy.url}  (open it now: the graph changes as the story plays)`);
    say();
    const noNetwork = whyNoNetwork();
    if (noNetwork) {
      say(`Without the network side: ${noNetwork}.`);
      say('  Left out: the namespace with tun wwan0/wwan1, so the agent finds no wwan interface; its');
      say(
        '  netlink items (link MTU, addresses, routes, DNS) stay pending ("waits for net.interface/wwanX")',
      );
      say('  and the kernel is never changed. Run as root (sudo npm run demo) to see them applied.');
      say();
    }
    const dir = await mkdtemp(join(tmpdir(), 'mmagent-demo-'));
    teardown.add(`removing the demo's files (${dir})`, () => rm(dir, { recursive: true, force: true }));
    const files = {
      config: join(dir, 'wwan-config.json'),
      globalConfig: join(dir, 'global-config.json'),
      statusDir: join(dir, 'status'),
      resolvDir: join(dir, 'resolv'),
    };
    const base = JSON.parse(
      await readFile(packageFile('docs', 'examples', 'demo-config.json'), 'utf8'),
    ) as WwanConfig;
    const writeConfig = async (cfg: WwanConfig) => {
      const valid = validateWwanConfig(cfg);
      if (!valid.ok) throw new Error(`demo config invalid: ${JSON.stringify(valid.errors)}`);
      await writeFile(`${files.config}.tmp`, JSON.stringify(cfg, null, 2));
      await rename(`${files.config}.tmp`, files.config);
    };
    // The agent starts with no network configured: step 1 is the config that brings the modems up.
    await writeConfig({ ...base, Networks: [] });
    await writeFile(
      files.globalConfig,
      await readFile(packageFile('docs', 'examples', 'demo-global-config.json'), 'utf8'),
    );

    say("Starting a private dbus-daemon (never the machine's own bus) …");
    const bus = await startPrivateBus();
    teardown.add(`stopping dbus-daemon (pid ${bus.pid})`, () => bus.stop());
    say(`  dbus-daemon pid ${bus.pid}, ${bus.address.split(',')[0]}`);
    throwIfAborted(signal);

    say('Starting the ModemManager simulator on it (in this process) with two modems …');
    const scenario = await loadScenario(packageFile('docs', 'examples', 'demo-scenario.json'));
    const sim = await ModemManagerSimulator.start({
      busAddress: bus.address,
      ...(scenario.timing ? { timing: scenario.timing } : {}),
    });
    // Ctrl-C in a terminal reaches the whole process group, dbus-daemon included: when the bus is
    // already gone the simulator has nothing left to unregister, and that is a clean stop.
    teardown.add('stopping the ModemManager simulator', () =>
      sim.stop().catch((err: unknown) => {
        if (/stream is closed|not connected|disconnected/i.test(String(err))) return;
        throw err;
      }),
    );
    for (const m of scenario.modems) sim.addModem(m);
    say(
      '  modem A (SIM-LTE-1, wwan0, dual-stack bearer), modem B (SIM-5G-2, wwan1, IPv4 bearer, initial EPS bearer)',
    );
    throwIfAborted(signal);

    const withAgent = async (ns: Netns | undefined) => {
      const inner = new Teardown();
      try {
        say(
          `Starting the agent: mmagent run${ns ? ` inside ${ns.name}` : ''} --config … --global-config … --http 127.0.0.1:0 …`,
        );
        const agent = AgentProcess.start({
          busAddress: bus.address,
          ...files,
          ...(ns ? { netns: ns.name } : {}),
        });
        inner.add(`stopping the agent (pid ${agent.pid})`, async () => {
          await agent.stop();
          // The agent's own account (one JSON line per event), kept when asked for or when the story failed.
          const keep =
            process.env.MMAGENT_DEMO_AGENT_LOG ??
            (storyFailed ? join(tmpdir(), `mmagent-demo-${Date.now()}.log`) : undefined);
          if (keep) {
            await writeFile(keep, agent.logs.map((l) => JSON.stringify(l)).join('\n'));
            say(`  the agent's log: ${keep}`);
          }
        });
        say(`  agent pid ${agent.pid}`);
        say("  … waiting for the agent's visualizer and its first status");
        const listening = await agent.waitLog(
          "the agent's visualizer",
          (l) => l.msg === 'visualizer listening',
          { signal },
        );
        const port = Number(new URL(String(listening.url)).port);
        if (ns) {
          const sock = join(dir, 'visualizer.sock');
          const bridge = await startNsBridge(ns.name, sock, port);
          inner.add(`stopping the visualizer bridge into ${ns.name} (pid ${bridge.pid})`, () =>
            stopByStdin(bridge),
          );
          proxy.connectTo({ path: sock });
        } else proxy.connectTo({ port });
        say(
          `  visualizer up: ${proxy.url} -> the agent's ${String(listening.url)}${ns ? ` in ${ns.name}` : ''}`,
        );
        const statusFile = join(files.statusDir, 'WwanStatus.json');
        const readStatus = async () => {
          try {
            return JSON.parse(await readFile(statusFile, 'utf8')) as WwanStatus;
          } catch {
            return undefined;
          }
        };
        const started = Date.now();
        await playStory(
          {
            say,
            signal,
            sim,
            agent,
            statusFile,
            writeConfig,
            readStatus,
            ip: ns ? (args) => ns.ipJson(args) : undefined,
          },
          base,
        ).catch((err: unknown) => {
          if (!(err instanceof Interrupted)) storyFailed = true;
          throw err;
        });
        storyDone = true;
        say(`\nThe story is done (${((Date.now() - started) / 1000).toFixed(1)} s).`);
        if (wait) {
          say(
            `The visualizer is still up: ${proxy.url}  (its history holds every reconcile above). Ctrl-C to stop.`,
          );
          await untilAborted(signal); // the person pressed Ctrl-C
        }
      } finally {
        say('Stopping everything the demo started:');
        innerFailed = await inner.run(say);
        if (ns) say(`  removing the network namespace ${ns.name} and its tun devices ${IFNAMES.join(', ')}`);
      }
    };
    if (noNetwork) await withAgent(undefined);
    else {
      say(
        `Creating a network namespace with tun devices ${IFNAMES.join(', ')} (the agent's netlink work is real there) …`,
      );
      await withNetns({ tuns: IFNAMES }, async (ns) => {
        say(`  namespace ${ns.name}`);
        await withAgent(ns);
      });
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      // Ctrl-C while waiting at the end is how the demo ends.
      code = storyDone
        ? 0
        : 128 +
          (err.signalName === 'SIGTERM'
            ? 15
            : err.signalName === 'SIGHUP'
              ? 1
              : err.signalName === 'SIGPIPE'
                ? 13
                : 2);
      say(`\nInterrupted (${err.signalName})${storyDone ? '' : ' before the story was done'}.`);
    } else {
      io.stderr.write(`mmagent demo: ${err instanceof Error ? err.message : String(err)}\n`);
      code = 1;
    }
  } finally {
    const failed = innerFailed + (await teardown.run(say));
    say(
      failed === 0
        ? 'Nothing left behind.'
        : `${failed} of the demo's pieces did not stop cleanly (see above).`,
    );
    if (failed > 0 && code === 0) code = 1;
    interrupts.dispose();
    io.stdout.off?.('error', onOutputError);
  }
  return code;
}
