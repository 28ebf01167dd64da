/**
 * The two places `mmagent run` takes its inputs from and puts its outputs:
 * - files: the config file and global config file watched, the status files and the graph export
 *   (JSON and DOT) written in the status dir;
 * - pubsub: EVE's wwan service (src/eve): topics in and out, encrypted credentials decrypted, the pid
 *   file and watchdog touches, and EVE's DOT files in the run dir.
 * run.ts owns the agent; a mode only moves data in and out of it.
 */

import type { Logger } from '../../reconciler/controller.js';
import { toDot } from '../../reconciler/export.js';
import type { AgentView, WwanAgent } from '../agent/agent.js';
import type { ConfigIntake, IntakeOptions } from '../agent/intake.js';
import type { AgentOutputs } from '../agent/outputs.js';
import type { SettingsApplier } from '../agent/settings.js';
import { EveDotFiles, graphDots } from '../eve/dot-files.js';
import { heartbeatFromLoop } from '../eve/loop-health.js';
import { EvePubsub } from '../eve/pubsub-io.js';
import { Watchdog } from '../eve/watchdog.js';
import { watchConfigFile, watchGlobalConfigFile } from '../io/config-file.js';
import { createStatusWriters, GRAPH_FILES } from '../io/debug-files.js';
import type { RunIo } from './args.js';

export interface RunIoHooks {
  /** Pubsub mode: how long to wait for the first global config (default 30 s). */
  readonly globalConfigWaitMs?: number;
}

export interface StartContext {
  readonly intake: ConfigIntake;
  readonly settings: SettingsApplier;
  readonly agent: WwanAgent;
  readonly signal: AbortSignal;
}

export interface AgentIo {
  /** Where the global settings come from, for log lines. */
  readonly settingsSource: string;
  /** What the intake needs from the mode (decryption, cipher reports). */
  readonly intakeOptions: Omit<IntakeOptions, 'onChange'>;
  /** Before ModemManager is reached; an error text ends the agent (exit 1). */
  beforeConnect(): Promise<string | undefined>;
  /** The process is alive while it waits for the bus (before the reconcile loop exists). */
  alive(): void;
  /** Starts the inputs; resolves when the agent may go on (the first config or its wait is over). */
  start(ctx: StartContext): Promise<void>;
  writeOutputs(out: AgentOutputs, view: AgentView): void;
  /** After every reconcile: the graph for people debugging. */
  afterRun(agent: WwanAgent): void;
  /** Stops inputs and outputs, after the agent stopped. */
  close(): Promise<void>;
}

export function fileIo(io: Extract<RunIo, { kind: 'files' }>, logger: Logger): AgentIo {
  // Status files first; the debug graph files only after them and never at their expense.
  const files = createStatusWriters(io.statusDir, logger);
  let lastGraph = '';
  return {
    settingsSource: io.globalConfig ?? '(none)',
    intakeOptions: {},
    beforeConnect: async () => undefined,
    alive: () => {},
    async start({ intake, settings, signal }) {
      const configWatch = watchConfigFile(io.config, {
        signal,
        onConfig: (cfg) => intake.accept(cfg),
        onError: (err) => intake.reject(err),
      });
      if (io.globalConfig) {
        watchGlobalConfigFile(io.globalConfig, {
          signal,
          onConfig: (map) => settings.apply(map),
          onError: (err) => logger.error({ file: err.file, errors: err.errors }, err.message),
        });
      }
      await configWatch.ready;
    },
    writeOutputs(out) {
      void files.outputs.writeStatus(out.status);
      void files.outputs.writeMetrics(out.metrics);
      if (out.location) void files.outputs.writeLocation(out.location);
    },
    afterRun(agent) {
      // The graph as JSON (states, reasons, the plan) and DOT; written only when it changed.
      const graph = agent.graphExport();
      const json = `${JSON.stringify(graph, null, 2)}\n`;
      if (json === lastGraph) return;
      lastGraph = json;
      files.debug.write(GRAPH_FILES.json, json);
      files.debug.write(GRAPH_FILES.dot, toDot(graph));
    },
    async close() {
      await files.idle();
      files.close();
    },
  };
}

export function pubsubIo(io: Extract<RunIo, { kind: 'pubsub' }>, logger: Logger, hooks: RunIoHooks): AgentIo {
  const watchdog = new Watchdog({ runDir: io.runDir, log: logger });
  const dots = new EveDotFiles(io.runDir, { log: logger });
  let pubsub: EvePubsub | undefined;
  let stopHeartbeat: (() => void) | undefined;
  let recoveryWatchdog = false;
  let lastModems = '';
  return {
    settingsSource: `pubsub ${io.runDir}/zedagent/ConfigItemValueMap.sock`,
    intakeOptions: {
      decrypt: (block) =>
        pubsub?.keyring.decrypt(block) ?? {
          ok: false,
          failure: 'not-ready',
          error: 'encrypted credentials: the keys are not loaded yet',
        },
      onCiphers: (outcomes) => pubsub?.publishCiphers(outcomes),
    },
    async beforeConnect() {
      try {
        await watchdog.start();
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
      return undefined;
    },
    alive: () => watchdog.heartbeat(),
    async start({ intake, settings, agent, signal }) {
      stopHeartbeat = heartbeatFromLoop(watchdog, agent.controller);
      pubsub = new EvePubsub(
        {
          runDir: io.runDir,
          persistDir: io.persistDir,
          logger,
          ...(hooks.globalConfigWaitMs !== undefined ? { globalConfigWaitMs: hooks.globalConfigWaitMs } : {}),
        },
        {
          acceptConfig: (cfg) => intake.accept(cfg),
          rejectConfig: (err) => intake.reject(err),
          applySettings: (map) => {
            recoveryWatchdog = settings.apply(map).modemRecoveryWatchdog;
            lastModems = '';
          },
          keysChanged: (reason) => intake.keysChanged(reason),
        },
      );
      await pubsub.start(signal);
    },
    writeOutputs(out, view) {
      pubsub?.publishOutputs(out);
      // The per-modem watchdog files follow the configured and present modems (only on a change:
      // the watchdog's own timer keeps touching the present ones).
      const configured = (view.config.Networks ?? []).map((n) => n.LogicalLabel ?? '');
      const present = [...view.names.values()].filter((l) => configured.includes(l));
      const key = JSON.stringify([recoveryWatchdog, configured, present]);
      if (key === lastModems) return;
      lastModems = key;
      void watchdog.updateModems({ enabled: recoveryWatchdog, configured, present });
    },
    afterRun(agent) {
      dots.write(graphDots(agent.controller.state()));
    },
    async close() {
      stopHeartbeat?.();
      await pubsub?.close();
      await watchdog.stop();
      await dots.idle();
      dots.close();
    },
  };
}
