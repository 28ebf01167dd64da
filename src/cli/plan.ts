/**
 * `mmagent plan`: what applying a config would change, from the live state (read-only) or from a
 * snapshot. Bad input (an unreadable or invalid config, a malformed or too new snapshot, ModemManager
 * out of reach) is one line on stderr and exit 1, never a stack trace. Exit codes follow Terraform's
 * -detailed-exitcode: without it 0 on success; with it 0 no changes, 2 changes.
 */
import { readGlobalConfigFile, readWwanConfigFile } from '../io/config-file.js';
import { locationPollSec, readGlobalSettings } from '../io/global-config.js';
import type { PlanCommand } from './args.js';
import { type LiveOptions, type Observation, ObservationError, observeLive } from './observation.js';
import { type PlanSource, planDocument } from './plan-json.js';
import { type PlanResult, type PlanSettings, planFor } from './plan-model.js';
import { formatPlanText } from './plan-text.js';
import { readSnapshotFile } from './snapshot-file.js';
import type { CliIo } from './validate.js';

export interface PlanIo extends CliIo {
  readonly stdout: CliIo['stdout'] & { readonly isTTY?: boolean };
}

export interface PlanHooks {
  /** Where and how the live state is read (tests). */
  readonly live?: Partial<LiveOptions>;
  readonly env?: NodeJS.ProcessEnv;
}

/** Colour only for a terminal, and never with --no-color or NO_COLOR (https://no-color.org). */
function useColor(cmd: PlanCommand, io: PlanIo, env: NodeJS.ProcessEnv): boolean {
  return cmd.output === 'text' && !cmd.noColor && io.stdout.isTTY === true && !env.NO_COLOR;
}

/** What `plan` and `graph` read: the config, the global config, the state to plan from. */
export interface PlanInputs {
  readonly config: string;
  readonly globalConfig: string | undefined;
  readonly snapshot: string | undefined;
  readonly resolvDir: string;
}

/**
 * Reads the inputs (the agent's read path and validation: a file the agent would refuse, a global
 * config among them, is refused here too) and plans. Warnings of the global config go to `warn`.
 */
export async function preparePlan(
  cmd: PlanInputs,
  warn: (line: string) => void,
  hooks: PlanHooks = {},
): Promise<{ ok: true; result: PlanResult; source: PlanSource } | { ok: false; message: string }> {
  const fail = (message: string) => ({ ok: false as const, message });
  const cfg = await readWwanConfigFile(cmd.config);
  if (!cfg.ok) return fail(cfg.message);
  let settings: PlanSettings = {};
  if (cmd.globalConfig) {
    // Of the global settings only the location timers shape items (the GPS refresh rate).
    const g = await readGlobalConfigFile(cmd.globalConfig);
    if (!g.ok) return fail(g.message);
    const read = readGlobalSettings(g.value);
    for (const w of read.warnings) warn(w);
    settings = { locationRefreshSeconds: locationPollSec(read.settings) };
  }

  let obs: Observation;
  let source: PlanSource;
  if (cmd.snapshot !== undefined) {
    const s = await readSnapshotFile(cmd.snapshot);
    if (!s.ok) return fail(s.message);
    obs = s.observation;
    source = { kind: 'snapshot', takenAt: obs.takenAt, modemManagerVersion: obs.snapshot.version ?? '' };
  } else {
    try {
      obs = await observeLive({ resolvDir: cmd.resolvDir, ...hooks.live });
    } catch (err) {
      if (err instanceof ObservationError) return fail(err.message);
      throw err;
    }
    source = { kind: 'live', takenAt: obs.takenAt, modemManagerVersion: obs.snapshot.version ?? '' };
  }
  try {
    return { ok: true, result: planFor(cfg.value, obs, settings), source };
  } catch (err) {
    // Data the model refuses (a malformed address from ModemManager, in a snapshot or live).
    return fail(`cannot plan: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function runPlan(cmd: PlanCommand, io: PlanIo, hooks: PlanHooks = {}): Promise<number> {
  const prepared = await preparePlan(cmd, (w) => io.stderr.write(`warning: ${w}\n`), hooks);
  if (!prepared.ok) {
    io.stderr.write(`mmagent plan: ${prepared.message}\n`);
    return 1;
  }
  const { result, source } = prepared;
  if (cmd.output === 'json') {
    io.stdout.write(`${JSON.stringify(planDocument(result, source), null, 2)}\n`);
  } else {
    for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
    const from = source.kind === 'live' ? 'the live state' : `the snapshot taken ${source.takenAt}`;
    const mm = source.modemManagerVersion ? ` (ModemManager ${source.modemManagerVersion})` : '';
    io.stdout.write(
      formatPlanText(result, {
        color: useColor(cmd, io, hooks.env ?? process.env),
        source: `mmagent plan: from ${from}${mm}`,
      }),
    );
  }
  if (!cmd.detailedExitcode) return 0;
  return result.plan.steps.length > 0 ? 2 : 0;
}
