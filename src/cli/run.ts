/**
 * `mmagent run`: the wwan microservice. Connects to the system bus named by DBUS_SYSTEM_BUS_ADDRESS,
 * works in the network namespace it runs in, and reconciles the modems to the WwanConfig, taken
 * from one of two places (run-io.ts):
 * - file mode: watches the config file (atomic replace included) and writes WwanStatus.json,
 *   WwanMetrics.json and WwanLocationInfo.json atomically;
 * - pubsub mode: EVE's wwan service (src/eve): WwanConfig and global config over pubsub, status
 *   published, credentials decrypted, EVE's watchdog, pid and DOT files.
 * Bad input is logged and reported in the status; the last good config stays in force; SIGTERM
 * stops cleanly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../reconciler/api.js';
import { Backoff, type BackoffPolicy } from '../../reconciler/backoff.js';
import { untilAborted } from '../../reconciler/deadline.js';
import { WwanAgent } from '../agent/agent.js';
import { ConfigIntake } from '../agent/intake.js';
import { buildOutputs } from '../agent/outputs.js';
import type { RecoveryActions } from '../agent/recovery.js';
import { SettingsApplier } from '../agent/settings.js';
import { createLogger } from '../io/log.js';
import { ModemManagerClient } from '../modemmanager/client.js';
import { createNetlinkAdapter } from '../netlink/adapter.js';
import { probeInOrder } from '../probe/index.js';
import { identifyProcess, rebindModemDevice, restartModemManager } from '../recovery/index.js';
import type { LiveVisualizer } from '../visualizer/live.js';
import { sysfsPhysAddrSource } from '../wwan/physaddrs.js';
import type { RunCommand } from './args.js';
import { fileIo, pubsubIo, type RunIoHooks } from './run-io.js';
import { DEFAULT_LOG_LEVEL } from './usage.js';

const BUS_CONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, factor: 2, maxMs: 30_000, jitter: 0.1 };

export interface RunHooks extends RunIoHooks {
  /** Resolves to stop the agent (default: SIGTERM or SIGINT). */
  readonly stopSignal?: AbortSignal;
  /** The agent's clock (default: the system clock); the soak (e2e/reliability) runs an accelerated one. */
  readonly clock?: Clock;
  /** Called once the agent is wired, before its inputs start (the soak inspects its parts). */
  readonly onAgent?: (parts: { readonly agent: WwanAgent; readonly mm: ModemManagerClient }) => void;
}

export async function runAgent(cmd: RunCommand, hooks: RunHooks = {}): Promise<number> {
  const logger = createLogger({
    level: cmd.logLevel ?? DEFAULT_LOG_LEVEL,
    base: { agent: 'wwan', pid: process.pid },
  });
  const stop = new AbortController();
  const onSignal = (sig: string) => {
    logger.info({ signal: sig }, 'stopping');
    stop.abort(new Error(sig));
  };
  const sigterm = () => onSignal('SIGTERM');
  const sigint = () => onSignal('SIGINT');
  process.once('SIGTERM', sigterm);
  process.once('SIGINT', sigint);
  hooks.stopSignal?.addEventListener('abort', () => stop.abort(hooks.stopSignal?.reason), { once: true });
  const cleanup = () => {
    process.off('SIGTERM', sigterm);
    process.off('SIGINT', sigint);
  };

  const io = cmd.io.kind === 'files' ? fileIo(cmd.io, logger) : pubsubIo(cmd.io, logger, hooks);
  // Before ModemManager: in EVE the pid file and the watchdog touches start with the process.
  const early = await io.beforeConnect();
  if (early !== undefined) {
    logger.fatal({}, early);
    cleanup();
    return 1;
  }

  const mm = await connectWithRetry(logger, stop.signal, () => io.alive());
  if (!mm) {
    await io.close();
    cleanup();
    return 0;
  }
  const netlink = createNetlinkAdapter();
  // The observer reads on its own socket: the per-run request count then says what the agent changed.
  const observerNetlink = createNetlinkAdapter();
  let scheduled = false;
  const publish = () => {
    if (scheduled || stop.signal.aborted) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (agent.readingKernel) return; // it publishes again once the kernel is read
      try {
        io.writeOutputs(buildOutputs(agent.view(), intake.outputFacts()), agent.view());
      } catch (err) {
        // A bug in the projection must not end the agent (this runs from a timer): say it, keep going.
        logger.error({ err }, 'cannot build the status');
      }
    });
  };
  const agent = new WwanAgent({
    mm,
    netlink,
    observerNetlink,
    resolvDir: cmd.resolvDir,
    logger,
    physAddrs: sysfsPhysAddrSource({ logger }),
    onChange: publish,
    recovery: recoveryActions(mm),
    probe: probeInOrder,
    ...(hooks.clock ? { clock: hooks.clock } : {}),
  });
  // ModemManager not answering (its calls time out in a row): the agent's soft recovery decides.
  mm.on('unresponsive', (n) => agent.recovery?.unresponsive(n));
  hooks.onAgent?.({ agent, mm });

  // The debug graph after a run, written once the burst of runs is over and never before the next
  // run: the export of the whole graph is the largest piece of work after a reconcile, and a
  // reaction (a drop, a config change) must not wait behind it.
  let graphDue = false;
  const flushGraph = () => {
    if (!graphDue) return;
    graphDue = false;
    try {
      io.afterRun(agent);
    } catch (err) {
      logger.error({ err }, 'cannot write the graph');
    }
  };
  const writeGraph = () => {
    if (graphDue) return;
    graphDue = true;
    setImmediate(flushGraph);
  };
  // One line per reconcile with the kernel requests it cost (the controller logs what and why).
  let requests = netlink.stats().requests;
  agent.controller.on((e) => {
    if (e.type !== 'run-finished') return;
    const now = netlink.stats().requests;
    logger.info(
      {
        run: e.record.id,
        steps: e.record.plan.steps.length,
        failed: e.record.failed,
        netlinkRequests: now - requests,
      },
      'run finished',
    );
    requests = now;
    writeGraph();
  });

  const intake = new ConfigIntake(agent, logger, {
    onChange: publish,
    ...io.intakeOptions,
  });
  const settings = new SettingsApplier(
    {
      setLogLevel: (level) => {
        // A level given on the command line stays (EVE's -d does the same).
        if (cmd.logLevel === undefined) logger.level = level;
      },
      setModemManagerLogLevel: (level) => mm.calls.setLogging(level, { signal: stop.signal }),
      setLocationRefresh: (s) => agent.setLocationRefresh(s),
      setScanning: (on) => agent.setScanning(on),
      setRecovery: (s) => agent.setRecoverySettings(s),
      setConnectivity: (s) => agent.setConnectivitySettings(s),
    },
    logger,
    io.settingsSource,
  );
  let exitCode = 0;
  let visualizer: LiveVisualizer | undefined;
  try {
    // Loaded only when asked for: an agent without --http does not carry the page and its server.
    if (cmd.http) {
      const { startLiveVisualizer } = await import('../visualizer/live.js');
      visualizer = await startLiveVisualizer({ agent, logger, ...cmd.http });
    }
    await io.start({ intake, settings, agent, signal: stop.signal });
    publish();
    // The stop may have come while the inputs started (pubsub's wait for the global config).
    await untilAborted(stop.signal);
  } catch (err) {
    // The inputs or outputs cannot be set up (e.g. another wwan agent owns the pubsub sockets).
    logger.fatal({ err }, 'cannot start');
    stop.abort(err);
    exitCode = 1;
  }
  await visualizer?.close();
  await agent.stop();
  flushGraph();
  await io.close();
  await mm.close();
  netlink.close();
  observerNetlink.close();
  cleanup();
  logger.info({}, 'stopped');
  return exitCode;
}

/**
 * Soft recovery done for real: sysfs rebinds under /sys, and ModemManager's restart by a checked
 * SIGTERM to the process that owns its bus name (src/recovery), identified when it appeared so a
 * recycled pid is never signalled.
 */
function recoveryActions(mm: ModemManagerClient): RecoveryActions {
  let known: { pid: number; startTime: string } | undefined;
  const identify = async () => {
    const pid = await mm.modemManagerPid();
    const id = await identifyProcess(pid);
    known = id ? { pid: id.pid, startTime: id.startTime } : undefined;
  };
  mm.on('mm-appeared', () => void identify().catch(() => undefined));
  void identify().catch(() => undefined);
  return {
    rebind: (dev) => rebindModemDevice(dev),
    async restartModemManager() {
      if (!known) await identify().catch(() => undefined);
      if (!known) return { ok: false, reason: 'gone', error: 'no ModemManager process owns its bus name' };
      return restartModemManager(known);
    },
  };
}

/** The bus may not be up yet when the agent starts: keep trying, with the shared capped backoff. */
async function connectWithRetry(
  logger: ReturnType<typeof createLogger>,
  signal: AbortSignal,
  alive: () => void,
): Promise<ModemManagerClient | undefined> {
  const backoff = new Backoff(BUS_CONNECT_BACKOFF);
  for (;;) {
    alive();
    try {
      return await ModemManagerClient.connect({ logger });
    } catch (err) {
      if (signal.aborted) return undefined;
      const delay = backoff.next();
      logger.error({ err, retryInMs: delay, attempt: backoff.failures }, 'cannot connect to the system bus');
      // timers/promises removes its abort listener when the timer fires: none pile up on `signal`.
      const slept = await sleep(delay, true, { signal }).catch(() => false);
      if (!slept || signal.aborted) return undefined;
    }
  }
}
