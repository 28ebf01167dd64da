/**
 * Item types of the ModemManager side and their specs (plain JSON). Every item is named by the
 * modem's logical label (or `unmanaged:<id>` for a modem no config claims), never by its D-Bus path:
 * ModemManager gives a modem a new path each time it reappears, and the desired state must not change
 * because of that. Configurators look the current path up at call time.
 */

/** External: the modem is present in ModemManager. Dependencies on it wait while it is absent. */
export const MODEM = 'mm.modem';
/** Radio power: enabled and powered on, or disabled in low power. */
export const RADIO = 'mm.radio';
/** The primary SIM slot (only when the config names one). */
export const SIM_SLOT = 'mm.sim-slot';
/** The SIM PIN sent to the modem's PIN-locked SIM (only while it is locked and sending is safe). */
export const SIM_PIN = 'mm.sim-pin';
/** Allowed and preferred access technologies (only when the config prefers some). */
export const MODES = 'mm.modes';
/** The initial EPS (attach) bearer settings (only when the config has an attach APN). */
export const ATTACH = 'mm.attach';
/** The data connection: a connected default bearer with these settings. */
export const CONNECTION = 'mm.connection';
/** GNSS location gathering with signals. */
export const LOCATION = 'mm.location';
/** A visible-provider scan round (only with `wwan.query.visible.providers`; see scan.ts). */
export const SCAN = 'mm.scan';
/** A connectivity repair step done on the modem (agent/connectivity.ts): reconnect, re-enable, reset. */
export const REPAIR = 'mm.repair';
/** Extended signal quality refresh. */
export const SIGNAL = 'mm.signal';

export type ModemSpec = {
  /** MMModemState, for predicates and plans to read. */
  readonly state: number;
  readonly powered: boolean;
};

export type RadioSpec = { readonly on: boolean };

export type SimSlotSpec = { readonly slot: number };

/** `pin`: the keyed digest of the PIN (modemitems/credentials.ts), never the PIN. */
export type SimPinSpec = { readonly pin: string };

export type ModesSpec = { readonly allowed: number; readonly preferred: number };

export type IpType = '' | 'ipv4' | 'ipv6' | 'ipv4v6';
export type AuthProtocol = '' | 'pap' | 'chap' | 'pap-and-chap';

export type BearerSettingsSpec = {
  readonly apn: string;
  readonly ipType: IpType;
  readonly auth: AuthProtocol;
  readonly user: string;
  /**
   * A digest of the credentials (user and password), never the password: specs appear in plans,
   * logs and graph exports. The password itself is looked up from the secret store at call time.
   */
  readonly credentials: string;
};

export type AttachSpec = BearerSettingsSpec;

export type ConnectionSpec = BearerSettingsSpec & { readonly allowRoaming: boolean };

/** `refreshSeconds`: the GPS refresh rate while enabled (EVE: min(app, cloud location interval) / 2). */
export type LocationSpec = { readonly enabled: boolean; readonly refreshSeconds?: number };

export type SignalSpec = { readonly rateSeconds: number };

export type ScanSpec = { readonly round: number };

export type RepairSpec = { readonly step: 'reconnect' | 'reenable' | 'reset'; readonly round: number };
