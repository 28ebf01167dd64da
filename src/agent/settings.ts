/**
 * Applying EVE's global settings (ConfigItemValueMap, from a file or from zedagent over pubsub) to
 * the running agent, as EVE's agent does (reference eve-mmagent.md §7, eve-pubsub.md §5): the log
 * level, ModemManager's own log level (`SetLogging`, info→MSG, debug→INFO, trace→DEBUG), and the
 * GPS refresh rate, min(timer.location.app, timer.location.cloud) / 2. A map that is absent (not
 * received yet, or deleted) means EVE's defaults.
 */
import type { Logger } from '../../reconciler/controller.js';
import { type GlobalSettings, locationPollSec, readGlobalSettings } from '../io/global-config.js';
import type { LevelWithSilent } from '../io/log.js';
import type { SetLoggingLevel } from '../modemmanager/calls.js';
import type { ConfigItemValueMap } from '../schemas/types.generated.js';
import type { ConnectivitySettings } from './connectivity.js';

/** ModemManager's level for ours (EVE maps only info, debug and trace; the rest follow their names). */
export function modemManagerLogLevel(level: LevelWithSilent): SetLoggingLevel {
  switch (level) {
    case 'trace':
      return 'DEBUG';
    case 'debug':
      return 'INFO';
    case 'info':
      return 'MSG';
    case 'warn':
      return 'WARN';
    default:
      return 'ERR';
  }
}

export interface SettingsTargets {
  /** Sets the agent's own log level. */
  setLogLevel(level: LevelWithSilent): void;
  /** ModemManager's SetLogging; its failure is logged, never fatal. */
  setModemManagerLogLevel(level: SetLoggingLevel): Promise<void>;
  setLocationRefresh(seconds: number): void;
  /** wwan.query.visible.providers. */
  setScanning(on: boolean): void;
  /** wwan.modem.recovery.reload.drivers, .restart.modemmanager, .missing.time. */
  setRecovery(s: { reloadDrivers: boolean; restartModemManager: boolean; missingForMs: number }): void;
  /** wwan.probe.*. */
  setConnectivity(s: ConnectivitySettings): void;
}

export class SettingsApplier {
  private mmLevel: SetLoggingLevel | undefined;
  private current: GlobalSettings | undefined;

  constructor(
    private readonly targets: SettingsTargets,
    private readonly logger: Logger,
    /** Where the settings come from, for log lines (a file path or a pubsub topic). */
    private readonly source: string,
  ) {}

  /** The settings in force (EVE's defaults before any map). */
  get settings(): GlobalSettings | undefined {
    return this.current;
  }

  apply(map: ConfigItemValueMap | undefined): GlobalSettings {
    const { settings, warnings } = readGlobalSettings(map, this.current);
    for (const w of warnings) this.logger.warn({ source: this.source }, w);
    this.current = settings;
    this.targets.setLogLevel(settings.logLevel);
    this.targets.setLocationRefresh(locationPollSec(settings));
    this.targets.setScanning(settings.queryVisibleProviders);
    this.targets.setConnectivity({
      intervalMs: settings.probeIntervalSec * 1000,
      timeoutMs: settings.probeTimeoutSec * 1000,
      threshold: settings.probeThreshold,
      cooldownMs: {
        reconnect: settings.probeReconnectCooldownSec * 1000,
        reenable: settings.probeReenableCooldownSec * 1000,
        reset: settings.probeResetCooldownSec * 1000,
      },
    });
    this.targets.setRecovery({
      reloadDrivers: settings.modemRecoveryReloadDrivers,
      restartModemManager: settings.modemRecoveryRestartModemManager,
      missingForMs: settings.modemRecoveryMissingSec * 1000,
    });
    const mm = modemManagerLogLevel(settings.logLevel);
    if (mm !== this.mmLevel) {
      this.mmLevel = mm;
      this.targets.setModemManagerLogLevel(mm).catch((err: unknown) => {
        // Tried again with the next settings that differ (MM may not be up yet).
        if (this.mmLevel === mm) this.mmLevel = undefined;
        this.logger.warn({ err, level: mm }, 'cannot set the ModemManager log level');
      });
    }
    this.logger.info(
      {
        source: this.source,
        logLevel: settings.logLevel,
        modemManagerLogLevel: mm,
        locationRefreshSeconds: locationPollSec(settings),
      },
      map ? 'global settings applied' : 'global settings: using the defaults',
    );
    return settings;
  }
}
