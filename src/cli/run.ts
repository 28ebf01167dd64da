/**
 * `mmagent run`: the wwan microservice. Connects to the system bus named by DBUS_SYSTEM_BUS_ADDRESS,
 * works in the network namespace it runs in, watches the config file (atomic replace included), and
 * writes WwanStatus.json, WwanMetrics.json and WwanLocationInfo.json atomically. Bad input is logged
 * and reported in the status; the last good config stays in force; SIGTERM stops cleanly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff, type BackoffPolicy } from '../../reconciler/backoff.js';
import { toDot } from '../../reconciler/export.js';
import { WwanAgent } from '../agent/agent.js';
import { ConfigIntake } from '../agent/intake.js';
import { buildOutputs } from '../agent/outputs.js';
import { watchConfigFile, watchGlobalConfigFile } from '../io/config-file.js';
import { createStatusWriters, GRAPH_FILES } from '../io/debug-files.js';
import { readGlobalSettings } from '../io/global-config.js';
import { createLogger, setLogLevel } from '../io/log.js';
import { ModemManagerClient } from '../modemmanager/client.js';
import { createNetlinkAdapter } from '../netlink/adapter.js';
import { sysfsPhysAddrSource } from '../wwan/physaddrs.js';
import type { RunCommand } from './args.js';

const BUS_CONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, factor: 2, maxMs: 30_000, jitter: 0.1 };

export interface RunHooks {
  /** Resolves to stop the agent (default: SIGTERM or SIGINT). */
  readonly stopSignal?: AbortSignal;
}

export async function runAgent(cmd: RunCommand, hooks: RunHooks = {}): Promise<number> {
  const logger = createLogger({ level: cmd.logLevel, base: { agent: 'wwan', pid: process.pid } });
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

  const mm = await connectWithRetry(logger, stop.signal);
  if (!mm) return 0;
  const netlink = createNetlinkAdapter();
  // The observer reads on its own socket: the per-run request count then says what the agent changed.
  const observerNetlink = createNetlinkAdapter();
  // Status files first; the debug graph files only after them and never at their expense.
  const files = createStatusWriters(cmd.statusDir, logger);
  const writer = files.outputs;
  let scheduled = false;
  const publish = () => {
    if (scheduled || stop.signal.aborted) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      try {
        const out = buildOutputs(agent.view(), intake.outputFacts());
        void writer.writeStatus(out.status);
        void writer.writeMetrics(out.metrics);
        if (out.location) void writer.writeLocation(out.location);
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
  });

  // After every run, the graph for people debugging (as EVE's /run/nim-*-state.dot, plus JSON with
  // states, reasons and the plan). Written only when it changed.
  let lastGraph = '';
  agent.controller.on((e) => {
    if (e.type !== 'run-finished') return;
    const graph = agent.graphExport();
    const json = `${JSON.stringify(graph, null, 2)}\n`;
    if (json === lastGraph) return;
    lastGraph = json;
    files.debug.write(GRAPH_FILES.json, json);
    files.debug.write(GRAPH_FILES.dot, toDot(graph));
  });

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
  });

  const intake = new ConfigIntake(agent, logger, { onChange: publish });
  const configWatch = watchConfigFile(cmd.config, {
    signal: stop.signal,
    onConfig: (cfg) => intake.accept(cfg),
    onError: (err) => intake.reject(err),
  });
  if (cmd.globalConfig) {
    watchGlobalConfigFile(cmd.globalConfig, {
      signal: stop.signal,
      onConfig: (map) => {
        const { settings, warnings } = readGlobalSettings(map);
        for (const w of warnings) logger.warn({ file: cmd.globalConfig }, w);
        setLogLevel(logger, settings.logLevel);
      },
      onError: (err) => logger.error({ file: err.file, errors: err.errors }, err.message),
    });
  }
  await configWatch.ready;
  publish();

  await new Promise<void>((resolve) =>
    stop.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  await agent.stop();
  await files.idle();
  files.close();
  await mm.close();
  netlink.close();
  observerNetlink.close();
  process.off('SIGTERM', sigterm);
  process.off('SIGINT', sigint);
  logger.info({}, 'stopped');
  return 0;
}

/** The bus may not be up yet when the agent starts: keep trying, with the shared capped backoff. */
async function connectWithRetry(
  logger: ReturnType<typeof createLogger>,
  signal: AbortSignal,
): Promise<ModemManagerClient | undefined> {
  const backoff = new Backoff(BUS_CONNECT_BACKOFF);
  for (;;) {
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
