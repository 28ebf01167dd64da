/**
 * The EVE global settings (ConfigItemValueMap, eve-pubsub.md §5) the wwan agent uses, read into a
 * typed object: EVE's keys where EVE has one, `wwan.probe.*` and `wwan.modem.recovery.missing.time`
 * of ours where it has none (docs/agent.md). A key that is absent takes its default (EVE's rule). A
 * key of the wrong item type or out of range never makes the whole map unusable: it keeps the value
 * in force before this map (the default for the first one), and each such case is listed in
 * `warnings`.
 */
import type { ConfigItemValue, ConfigItemValueMap } from '../schemas/types.generated.js';
import { type LevelWithSilent, toPinoLevel } from './log.js';

export interface GlobalSettings {
  /** timer.location.cloud.interval, seconds (default 3600, 300..4294967295). */
  readonly locationCloudIntervalSec: number;
  /** timer.location.app.interval, seconds (default 20, 5..3600). */
  readonly locationAppIntervalSec: number;
  /** wwan.query.visible.providers: hourly operator scan (default false). */
  readonly queryVisibleProviders: boolean;
  /** wwan.modem.recovery.watchdog: per-modem watchdog files (default false). */
  readonly modemRecoveryWatchdog: boolean;
  /** wwan.modem.recovery.reload.drivers (default false). */
  readonly modemRecoveryReloadDrivers: boolean;
  /** wwan.modem.recovery.restart.modemmanager (default false). */
  readonly modemRecoveryRestartModemManager: boolean;
  /** wwan.modem.recovery.missing.time (ours): seconds a modem is gone before soft recovery (default 120). */
  readonly modemRecoveryMissingSec: number;
  /** wwan.probe.interval (ours): seconds between connectivity probes of a modem (default 300, EVE's fixed 5 min). */
  readonly probeIntervalSec: number;
  /** wwan.probe.timeout (ours): seconds each probe target may take (default 5, EVE's). */
  readonly probeTimeoutSec: number;
  /** wwan.probe.threshold (ours): consecutive failed probes before escalating (default 2; EVE acts on 1). */
  readonly probeThreshold: number;
  /** wwan.probe.reconnect.cooldown (ours): seconds after a reconnect before the next step (default 300). */
  readonly probeReconnectCooldownSec: number;
  /** wwan.probe.reenable.cooldown (ours): seconds after a disable/enable before the next step (default 600). */
  readonly probeReenableCooldownSec: number;
  /** wwan.probe.reset.cooldown (ours): seconds between two modem resets (default 1800). */
  readonly probeResetCooldownSec: number;
  /** debug.default.loglevel, as written (default "info"). */
  readonly defaultLogLevel: string;
  /** AgentSettings.wwan["debug.loglevel"], as written; undefined when not set. */
  readonly agentLogLevel: string | undefined;
  /** The level to log at: the agent setting if valid, else the default if valid, else info. */
  readonly logLevel: LevelWithSilent;
}

export interface ReadSettings {
  readonly settings: GlobalSettings;
  /** One line per key that was ignored or adjusted. */
  readonly warnings: readonly string[];
}

export const GLOBAL_KEYS = {
  locationCloudInterval: 'timer.location.cloud.interval',
  locationAppInterval: 'timer.location.app.interval',
  queryVisibleProviders: 'wwan.query.visible.providers',
  modemRecoveryWatchdog: 'wwan.modem.recovery.watchdog',
  modemRecoveryReloadDrivers: 'wwan.modem.recovery.reload.drivers',
  modemRecoveryRestartModemManager: 'wwan.modem.recovery.restart.modemmanager',
  modemRecoveryMissing: 'wwan.modem.recovery.missing.time',
  probeInterval: 'wwan.probe.interval',
  probeTimeout: 'wwan.probe.timeout',
  probeThreshold: 'wwan.probe.threshold',
  probeReconnectCooldown: 'wwan.probe.reconnect.cooldown',
  probeReenableCooldown: 'wwan.probe.reenable.cooldown',
  probeResetCooldown: 'wwan.probe.reset.cooldown',
  defaultLogLevel: 'debug.default.loglevel',
  agentLogLevel: 'debug.loglevel',
} as const;

/** EVE's ConfigItemType numbering (pkg/pillar/types/global.go). */
const ITEM_INT = 1;
const ITEM_BOOL = 2;
const ITEM_STRING = 3;

const K = GLOBAL_KEYS;

/** The integer keys: EVE's specs (pkg/pillar/types/global.go) for EVE's, ours for ours. */
const INT_SPECS = {
  locationCloudIntervalSec: { key: K.locationCloudInterval, def: 3600, min: 300, max: 0xffffffff },
  locationAppIntervalSec: { key: K.locationAppInterval, def: 20, min: 5, max: 3600 },
  modemRecoveryMissingSec: { key: K.modemRecoveryMissing, def: 120, min: 30, max: 3600 },
  probeIntervalSec: { key: K.probeInterval, def: 300, min: 10, max: 86_400 },
  probeTimeoutSec: { key: K.probeTimeout, def: 5, min: 1, max: 60 },
  probeThreshold: { key: K.probeThreshold, def: 2, min: 1, max: 100 },
  probeReconnectCooldownSec: { key: K.probeReconnectCooldown, def: 300, min: 0, max: 86_400 },
  probeReenableCooldownSec: { key: K.probeReenableCooldown, def: 600, min: 0, max: 86_400 },
  probeResetCooldownSec: { key: K.probeResetCooldown, def: 1800, min: 60, max: 86_400 },
} as const;

const BOOL_KEYS = {
  queryVisibleProviders: K.queryVisibleProviders,
  modemRecoveryWatchdog: K.modemRecoveryWatchdog,
  modemRecoveryReloadDrivers: K.modemRecoveryReloadDrivers,
  modemRecoveryRestartModemManager: K.modemRecoveryRestartModemManager,
} as const;

type IntField = keyof typeof INT_SPECS;
type BoolField = keyof typeof BOOL_KEYS;

export const DEFAULT_GLOBAL_SETTINGS: GlobalSettings = {
  locationCloudIntervalSec: INT_SPECS.locationCloudIntervalSec.def,
  locationAppIntervalSec: INT_SPECS.locationAppIntervalSec.def,
  queryVisibleProviders: false,
  modemRecoveryWatchdog: false,
  modemRecoveryReloadDrivers: false,
  modemRecoveryRestartModemManager: false,
  modemRecoveryMissingSec: INT_SPECS.modemRecoveryMissingSec.def,
  probeIntervalSec: INT_SPECS.probeIntervalSec.def,
  probeTimeoutSec: INT_SPECS.probeTimeoutSec.def,
  probeThreshold: INT_SPECS.probeThreshold.def,
  probeReconnectCooldownSec: INT_SPECS.probeReconnectCooldownSec.def,
  probeReenableCooldownSec: INT_SPECS.probeReenableCooldownSec.def,
  probeResetCooldownSec: INT_SPECS.probeResetCooldownSec.def,
  defaultLogLevel: 'info',
  agentLogLevel: undefined,
  logLevel: 'info',
};

/** The agent's location poll period (agent.go: `min(app, cloud) >> 1`), in seconds. */
export function locationPollSec(s: GlobalSettings): number {
  return Math.min(s.locationAppIntervalSec, s.locationCloudIntervalSec) >> 1;
}

/**
 * Reads the settings; `map` is a validated ConfigItemValueMap (or undefined before the first one).
 * `previous` is what is in force: a bad value keeps its value from there.
 */
export function readGlobalSettings(
  map: ConfigItemValueMap | undefined,
  previous: GlobalSettings = DEFAULT_GLOBAL_SETTINGS,
): ReadSettings {
  const warnings: string[] = [];
  const global = map?.GlobalSettings ?? {};

  /** The item of `key`, or why it cannot be used ('absent': take the default). */
  const item = (key: string, type: number): ConfigItemValue | 'absent' | 'bad' => {
    const it = global[key];
    if (!it) return 'absent';
    // ItemType 0 or absent: a hand-written file that only gave the value; accept it.
    if (it.ItemType && it.ItemType !== type) {
      warnings.push(`${key}: ItemType ${it.ItemType} where ${type} was expected; keeping the value in force`);
      return 'bad';
    }
    return it;
  };

  const int = (field: IntField): number => {
    const spec = INT_SPECS[field];
    const it = item(spec.key, ITEM_INT);
    if (it === 'absent') return spec.def;
    if (it === 'bad') return previous[field];
    const v = it.IntValue;
    if (v === undefined) return spec.def;
    if (v < spec.min || v > spec.max) {
      warnings.push(`${spec.key}: ${v} is outside ${spec.min}..${spec.max}; keeping ${previous[field]}`);
      return previous[field];
    }
    return v;
  };

  const bool = (field: BoolField): boolean => {
    const it = item(BOOL_KEYS[field], ITEM_BOOL);
    if (it === 'absent') return DEFAULT_GLOBAL_SETTINGS[field];
    if (it === 'bad') return previous[field];
    return it.BoolValue ?? false;
  };

  const str = (it: ConfigItemValue | 'absent' | 'bad' | undefined): string | undefined =>
    typeof it !== 'object' || it.StrValue === undefined || it.StrValue === '' ? undefined : it.StrValue;

  const defaultLogLevel =
    str(item(GLOBAL_KEYS.defaultLogLevel, ITEM_STRING)) ?? DEFAULT_GLOBAL_SETTINGS.defaultLogLevel;
  const agentItem = map?.AgentSettings?.wwan?.[GLOBAL_KEYS.agentLogLevel];
  const agentLogLevel = str(agentItem ?? undefined);

  // The agent setting overrides the default (agentlog/loglevel.go); an unparsable one is skipped.
  let logLevel: LevelWithSilent | undefined;
  if (agentLogLevel !== undefined) {
    logLevel = toPinoLevel(agentLogLevel);
    if (!logLevel) warnings.push(`AgentSettings.wwan.debug.loglevel: unknown level "${agentLogLevel}"`);
  }
  if (!logLevel) {
    logLevel = toPinoLevel(defaultLogLevel);
    if (!logLevel)
      warnings.push(`${GLOBAL_KEYS.defaultLogLevel}: unknown level "${defaultLogLevel}"; using info`);
  }

  const ints = Object.fromEntries((Object.keys(INT_SPECS) as IntField[]).map((f) => [f, int(f)])) as Record<
    IntField,
    number
  >;
  const bools = Object.fromEntries(
    (Object.keys(BOOL_KEYS) as BoolField[]).map((f) => [f, bool(f)]),
  ) as Record<BoolField, boolean>;
  return {
    settings: {
      ...DEFAULT_GLOBAL_SETTINGS,
      ...ints,
      ...bools,
      defaultLogLevel,
      agentLogLevel,
      logLevel: logLevel ?? 'info',
    },
    warnings,
  };
}
