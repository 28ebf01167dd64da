/**
 * When the agent should run soft recovery for a missing modem (eve-mmagent.md §4.15): a modem seen
 * before and gone for at least two minutes, at most once per disappearance, and only with one of the
 * two global settings on. Pure: the agent keeps the state and the clock.
 */

/** EVE waits this long after a modem disappears before recovering it. */
export const DEFAULT_MISSING_FOR_MS = 120_000;

export interface MissingModem {
  /** Clock time at which the modem was last seen (its disappearance). */
  readonly missingSince: number;
  /** Whether soft recovery already ran since it disappeared (EVE's softRecoveryDone). */
  readonly recoveredThisDisappearance: boolean;
}

export interface RecoverySettings {
  /** `wwan.modem.recovery.reload.drivers`. */
  readonly reloadDrivers: boolean;
  /** `wwan.modem.recovery.restart.modemmanager`. */
  readonly restartModemManager: boolean;
  /** How long the modem must have been missing (default 2 min; a bad value means the default). */
  readonly missingForMs?: number;
}

export type RecoveryDecision =
  | {
      readonly due: false;
      readonly why: string;
      /** When only time is missing: the clock time from which recovery is due. */
      readonly dueAt?: number;
    }
  | { readonly due: true; readonly reloadDrivers: boolean; readonly restartModemManager: boolean };

export function recoveryDue(m: MissingModem, now: number, settings: RecoverySettings): RecoveryDecision {
  if (!settings.reloadDrivers && !settings.restartModemManager)
    return {
      due: false,
      why: 'soft recovery is off: neither wwan.modem.recovery.reload.drivers nor wwan.modem.recovery.restart.modemmanager is set',
    };
  if (m.recoveredThisDisappearance)
    return { due: false, why: 'soft recovery already ran once since the modem disappeared' };
  const wait = settings.missingForMs;
  const missingForMs =
    wait !== undefined && Number.isFinite(wait) && wait >= 0 ? wait : DEFAULT_MISSING_FOR_MS;
  const dueAt = m.missingSince + missingForMs;
  // A clock that went back (missingSince in the future) waits too, rather than recovering early.
  if (!(now >= dueAt))
    return {
      due: false,
      why: `missing for ${Math.max(0, now - m.missingSince)} ms; soft recovery after ${missingForMs} ms`,
      dueAt,
    };
  return {
    due: true,
    reloadDrivers: settings.reloadDrivers,
    restartModemManager: settings.restartModemManager,
  };
}
