/**
 * The few EVE global settings (ConfigItemValueMap, eve-pubsub.md §5) the wwan agent uses, read into
 * a typed object with EVE's defaults. A key that is absent, of the wrong item type, or out of
 * range never makes the whole map unusable: absent or mistyped keys take the default, out-of-range
 * integers are clamped into range, and each such case is listed in `warnings`.
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
  defaultLogLevel: 'debug.default.loglevel',
  agentLogLevel: 'debug.loglevel',
} as const;

/** EVE's ConfigItemType numbering (pkg/pillar/types/global.go). */
const ITEM_INT = 1;
const ITEM_BOOL = 2;
const ITEM_STRING = 3;

/** EVE's specs for the integer keys (pkg/pillar/types/global.go). */
const INT_SPECS = {
  [GLOBAL_KEYS.locationCloudInterval]: { def: 3600, min: 300, max: 0xffffffff },
  [GLOBAL_KEYS.locationAppInterval]: { def: 20, min: 5, max: 3600 },
} as const;

export const DEFAULT_GLOBAL_SETTINGS: GlobalSettings = {
  locationCloudIntervalSec: INT_SPECS[GLOBAL_KEYS.locationCloudInterval].def,
  locationAppIntervalSec: INT_SPECS[GLOBAL_KEYS.locationAppInterval].def,
  queryVisibleProviders: false,
  modemRecoveryWatchdog: false,
  modemRecoveryReloadDrivers: false,
  modemRecoveryRestartModemManager: false,
  defaultLogLevel: 'info',
  agentLogLevel: undefined,
  logLevel: 'info',
};

/** The agent's location poll period (agent.go: `min(app, cloud) >> 1`), in seconds. */
export function locationPollSec(s: GlobalSettings): number {
  return Math.min(s.locationAppIntervalSec, s.locationCloudIntervalSec) >> 1;
}

/** Reads the settings; `map` is a validated ConfigItemValueMap (or undefined before the first one). */
export function readGlobalSettings(map: ConfigItemValueMap | undefined): ReadSettings {
  const warnings: string[] = [];
  const global = map?.GlobalSettings ?? {};

  const item = (key: string, type: number): ConfigItemValue | undefined => {
    const it = global[key];
    if (!it) return undefined;
    // ItemType 0 or absent: a hand-written file that only gave the value; accept it.
    if (it.ItemType && it.ItemType !== type) {
      warnings.push(`${key}: ItemType ${it.ItemType} where ${type} was expected; using the default`);
      return undefined;
    }
    return it;
  };

  const int = (key: keyof typeof INT_SPECS): number => {
    const spec = INT_SPECS[key];
    const v = item(key, ITEM_INT)?.IntValue;
    if (v === undefined) return spec.def;
    if (v < spec.min || v > spec.max) {
      const c = Math.min(spec.max, Math.max(spec.min, v));
      warnings.push(`${key}: ${v} is outside ${spec.min}..${spec.max}; using ${c}`);
      return c;
    }
    return v;
  };

  const bool = (key: string): boolean => item(key, ITEM_BOOL)?.BoolValue ?? false;

  const str = (it: ConfigItemValue | undefined): string | undefined =>
    it?.StrValue === undefined || it.StrValue === '' ? undefined : it.StrValue;

  const defaultLogLevel =
    str(item(GLOBAL_KEYS.defaultLogLevel, ITEM_STRING)) ?? DEFAULT_GLOBAL_SETTINGS.defaultLogLevel;
  const agentItem = map?.AgentSettings?.wwan?.[GLOBAL_KEYS.agentLogLevel];
  const agentLogLevel = str(agentItem);

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

  return {
    settings: {
      locationCloudIntervalSec: int(GLOBAL_KEYS.locationCloudInterval),
      locationAppIntervalSec: int(GLOBAL_KEYS.locationAppInterval),
      queryVisibleProviders: bool(GLOBAL_KEYS.queryVisibleProviders),
      modemRecoveryWatchdog: bool(GLOBAL_KEYS.modemRecoveryWatchdog),
      modemRecoveryReloadDrivers: bool(GLOBAL_KEYS.modemRecoveryReloadDrivers),
      modemRecoveryRestartModemManager: bool(GLOBAL_KEYS.modemRecoveryRestartModemManager),
      defaultLogLevel,
      agentLogLevel,
      logLevel: logLevel ?? 'info',
    },
    warnings,
  };
}
