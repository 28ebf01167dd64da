/**
 * The simulator's public, JSON-friendly description types (used by the code API and by scenario
 * files). Names are the ones a test author thinks in ("home", "lte", "ipv4v6"); the simulator maps
 * them to ModemManager's numbers.
 */

export type RegistrationName = 'idle' | 'home' | 'searching' | 'denied' | 'unknown' | 'roaming';
export type AccessTechName = 'gsm' | 'gprs' | 'edge' | 'umts' | 'hsdpa' | 'hsupa' | 'hspa' | 'lte' | '5gnr';
export type PowerStateName = 'on' | 'low' | 'off';
export type IpTypeName = 'ipv4' | 'ipv6' | 'ipv4v6';

export interface SimSpec {
  /** ICCID (Sim.SimIdentifier). */
  readonly iccid: string;
  readonly imsi?: string;
  readonly eid?: string;
  /** MCC+MNC of the SIM's home operator (Sim.OperatorIdentifier). */
  readonly operatorId?: string;
  readonly operatorName?: string;
  readonly type?: 'physical' | 'esim';
  /** eSIM only: whether a profile is installed (Sim.EsimStatus). Default true. */
  readonly esimHasProfiles?: boolean;
  readonly emergencyNumbers?: readonly string[];
  /** When set, the SIM starts PIN-locked (Modem.State LOCKED, UnlockRequired SIM_PIN). */
  readonly pin?: string;
  /**
   * PIN tries left (default 3): each wrong SendPin takes one, and none left locks the SIM for its
   * PUK. null: ModemManager does not report them (UnlockRetries stays empty), as some modems.
   */
  readonly pinRetries?: number | null;
}

export interface NetworkSpec {
  /** Registration the modem reaches once enabled. Default `home`. */
  readonly registration?: RegistrationName;
  readonly operatorCode?: string;
  readonly operatorName?: string;
  readonly accessTechnologies?: readonly AccessTechName[];
  /** SignalQuality percentage while registered. */
  readonly signalQuality?: number;
}

export interface IpConfigSpec {
  readonly address: string;
  readonly prefix: number;
  readonly gateway?: string;
  /** Up to three DNS servers (dns1..dns3). */
  readonly dns?: readonly string[];
  readonly mtu?: number;
}

export interface BearerIpSpec {
  /** The network interface a connected bearer reports (Bearer.Interface). */
  readonly interface?: string;
  readonly ipv4?: IpConfigSpec;
  readonly ipv6?: IpConfigSpec;
}

export interface SignalValues {
  readonly rssi?: number;
  readonly rsrq?: number;
  readonly rsrp?: number;
  readonly snr?: number;
  readonly rscp?: number;
  readonly ecio?: number;
  readonly errorRate?: number;
}

export interface SignalSpec {
  readonly gsm?: SignalValues;
  readonly umts?: SignalValues;
  readonly lte?: SignalValues;
  readonly nr5g?: SignalValues;
}

export interface LocationSpec {
  /** GPS_RAW fix. */
  readonly gps?: {
    readonly latitude: number;
    readonly longitude: number;
    readonly altitude?: number;
    /** `hhmmss.ss`, as MM reports it. */
    readonly utcTime?: string;
  };
  /** 3GPP_LAC_CI string: "MCC,MNC,LAC,CI,TAC" (hex LAC/CI/TAC). */
  readonly lacCi?: string;
}

export interface ScanResultSpec {
  readonly operatorCode: string;
  readonly operatorLong?: string;
  readonly operatorShort?: string;
  readonly status?: 'unknown' | 'available' | 'current' | 'forbidden';
  readonly accessTechnology?: AccessTechName;
}

export interface ProfileSpec {
  readonly profileId: number;
  readonly apn: string;
  readonly profileName?: string;
  readonly ipType?: IpTypeName;
  /** MMBearerApnType bitmask (1 initial, 2 default, ...). */
  readonly apnType?: number;
}

export interface PortSpec {
  readonly name: string;
  readonly type: 'net' | 'at' | 'qmi' | 'mbim' | 'gps' | 'qcdm' | 'ignored' | 'unknown';
}

export interface ModemSpec {
  /**
   * A stable name for scripts and tests (e.g. "A"). The object path changes on replug, re-probe
   * and restart; `sim.pathOf(id)` always gives the current one.
   */
  readonly id?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly revision?: string;
  readonly hardwareRevision?: string;
  /** IMEI (Modem.EquipmentIdentifier, Modem3gpp.Imei). */
  readonly imei?: string;
  /** sysfs path of the device (Modem.Device), e.g. USB or PCI address. */
  readonly device?: string;
  readonly deviceIdentifier?: string;
  readonly drivers?: readonly string[];
  readonly plugin?: string;
  readonly primaryPort?: string;
  readonly ports?: readonly PortSpec[];
  readonly ownNumbers?: readonly string[];
  /** [allowed, preferred] MMModemMode pairs. */
  readonly supportedModes?: readonly (readonly [number, number])[];
  readonly currentModes?: readonly [number, number];
  readonly powerState?: PowerStateName;
  /** Start enabled (and registered if the network allows) instead of disabled. */
  readonly enabled?: boolean;
  /** Single-SIM modem: the SIM (null = no SIM inserted). Ignored when `simSlots` is given. */
  readonly sim?: SimSpec | null;
  /** Multi-slot modem: one entry per slot, null for an empty slot. */
  readonly simSlots?: readonly (SimSpec | null)[];
  /** 1-based primary slot (multi-slot modems). Default 1. */
  readonly primarySimSlot?: number;
  readonly network?: NetworkSpec;
  readonly bearer?: BearerIpSpec;
  readonly signal?: SignalSpec;
  readonly location?: LocationSpec;
  readonly scanResults?: readonly ScanResultSpec[];
  readonly profiles?: readonly ProfileSpec[];
  readonly maxBearers?: number;
  /** Export an initial EPS (attach) bearer while registered on LTE/5G (QMI/MBIM modems do). */
  readonly initialEpsBearer?: boolean;
  /**
   * The network's subscription: a connection whose bearer properties carry another user or
   * password is refused with UserAuthenticationFailed, as a network rejects the PDP context.
   */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** Modem.Location Capabilities bitmask (MMModemLocationSource). Default 3GPP_LAC_CI|GPS_RAW|GPS_NMEA. */
  readonly locationCapabilities?: number;
}

/** Delays of the simulated modem, in ms. Defaults are small so tests are fast. */
export interface Timing {
  /** Each intermediate state step (enabling, searching, connecting, ...). */
  step: number;
  /**
   * Time in SEARCHING after enabling before the registration the network allows. 0 skips the
   * SEARCHING state (enabled → registered), as the real-MM kit's modem does.
   */
  search: number;
  /** Modem3gpp.Scan duration. */
  scan: number;
  /** Re-probe after SetPrimarySimSlot / ReportKernelEvent add. */
  probe: number;
  /** How long Simple.Connect waits for registration before failing with NetworkTimeout. */
  registrationWait: number;
  /**
   * After registration is lost, connected bearers are dropped after this delay (MM's
   * BEARER_DEFERRED_UNREGISTRATION_TIMEOUT is 15 s; the default here is short for tests).
   */
  deferredUnregistration: number;
}

export const DEFAULT_TIMING: Timing = {
  step: 2,
  search: 2,
  scan: 20,
  probe: 10,
  registrationWait: 2000,
  deferredUnregistration: 50,
};
