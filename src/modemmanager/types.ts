/**
 * ModemManager D-Bus names, enums and typed property shapes, from the introspection XML of
 * ModemManager 1.20 (/usr/share/dbus-1/interfaces/org.freedesktop.ModemManager1*.xml) and the
 * enum documentation in ModemManager-enums.h. Property values are as `unwrap` delivers them:
 * structs `(..)` as tuples, `a{sv}` as records, 64-bit integers as number (or decimal string
 * when above 2^53).
 */
import type { DBusPlain } from '../dbus/index.js';

export const MM_SERVICE = 'org.freedesktop.ModemManager1';
export const MM_PATH = '/org/freedesktop/ModemManager1';

export const IFACE = {
  manager: 'org.freedesktop.ModemManager1',
  objectManager: 'org.freedesktop.DBus.ObjectManager',
  properties: 'org.freedesktop.DBus.Properties',
  modem: 'org.freedesktop.ModemManager1.Modem',
  simple: 'org.freedesktop.ModemManager1.Modem.Simple',
  modem3gpp: 'org.freedesktop.ModemManager1.Modem.Modem3gpp',
  profileManager: 'org.freedesktop.ModemManager1.Modem.Modem3gpp.ProfileManager',
  signal: 'org.freedesktop.ModemManager1.Modem.Signal',
  location: 'org.freedesktop.ModemManager1.Modem.Location',
  sim: 'org.freedesktop.ModemManager1.Sim',
  bearer: 'org.freedesktop.ModemManager1.Bearer',
} as const;

/** MMModemState (signed: FAILED is -1). */
export enum ModemState {
  Failed = -1,
  Unknown = 0,
  Initializing = 1,
  Locked = 2,
  Disabled = 3,
  Disabling = 4,
  Enabling = 5,
  Enabled = 6,
  Searching = 7,
  Registered = 8,
  Disconnecting = 9,
  Connecting = 10,
  Connected = 11,
}

export enum ModemStateFailedReason {
  None = 0,
  Unknown = 1,
  SimMissing = 2,
  SimError = 3,
  UnknownCapabilities = 4,
  EsimWithoutProfiles = 5,
}

export enum ModemPowerState {
  Unknown = 0,
  Off = 1,
  Low = 2,
  On = 3,
}

/** MMModemMode bitmask (SetCurrentModes takes (allowed, preferred)). */
export enum ModemMode {
  None = 0,
  Cs = 1,
  Mode2g = 2,
  Mode3g = 4,
  Mode4g = 8,
  Mode5g = 16,
  Any = 0xffffffff,
}

export enum BearerIpMethod {
  Unknown = 0,
  Ppp = 1,
  Static = 2,
  Dhcp = 3,
}

/** MMBearerIpFamily bitmask; sent as `ip-type` (`u`). */
export enum BearerIpFamily {
  None = 0,
  Ipv4 = 1,
  Ipv6 = 2,
  Ipv4v6 = 4,
  NonIp = 8,
  Any = 0xffffffff,
}

/** MMBearerAllowedAuth bitmask; sent as `allowed-auth` (`u`; EVE sent int32, which MM ignores). */
export enum BearerAllowedAuth {
  Unknown = 0,
  None = 1,
  Pap = 2,
  Chap = 4,
  Mschap = 8,
  Mschapv2 = 16,
  Eap = 32,
}

export enum BearerType {
  Unknown = 0,
  Default = 1,
  DefaultAttach = 2,
  Dedicated = 3,
}

export enum Modem3gppRegistrationState {
  Idle = 0,
  Home = 1,
  Searching = 2,
  Denied = 3,
  Unknown = 4,
  Roaming = 5,
  HomeSmsOnly = 6,
  RoamingSmsOnly = 7,
  EmergencyOnly = 8,
  HomeCsfbNotPreferred = 9,
  RoamingCsfbNotPreferred = 10,
  AttachedRlos = 11,
}

export enum ModemLocationSource {
  None = 0,
  Lac3gppCi = 1,
  GpsRaw = 2,
  GpsNmea = 4,
  CdmaBs = 8,
  GpsUnmanaged = 16,
  AgpsMsa = 32,
  AgpsMsb = 64,
}

export enum ModemPortType {
  Unknown = 1,
  Net = 2,
  At = 3,
  Qcdm = 4,
  Gps = 5,
  Qmi = 6,
  Mbim = 7,
  Audio = 8,
  Ignored = 9,
  Xmmrpc = 10,
}

export enum SimType {
  Unknown = 0,
  Physical = 1,
  Esim = 2,
}

/** A generic a{sv}. */
export type VarDict = { readonly [key: string]: DBusPlain };

/** org.freedesktop.ModemManager1.Modem (the properties the agent uses; all others stay available). */
export interface ModemProps {
  readonly Sim?: string;
  readonly SimSlots?: readonly string[];
  readonly PrimarySimSlot?: number;
  readonly Bearers?: readonly string[];
  readonly Manufacturer?: string;
  readonly Model?: string;
  readonly Revision?: string;
  readonly DeviceIdentifier?: string;
  readonly Device?: string;
  readonly Drivers?: readonly string[];
  readonly Plugin?: string;
  readonly PrimaryPort?: string;
  /** a(su): [name, MMModemPortType]. */
  readonly Ports?: readonly (readonly [string, number])[];
  readonly EquipmentIdentifier?: string;
  readonly UnlockRequired?: number;
  readonly State?: ModemState;
  readonly StateFailedReason?: ModemStateFailedReason;
  readonly AccessTechnologies?: number;
  /** (ub): [percent, recent]. */
  readonly SignalQuality?: readonly [number, boolean];
  readonly OwnNumbers?: readonly string[];
  readonly PowerState?: ModemPowerState;
  /** a(uu): [allowed, preferred] MMModemMode pairs. */
  readonly SupportedModes?: readonly (readonly [number, number])[];
  readonly CurrentModes?: readonly [number, number];
  readonly SupportedIpFamilies?: number;
  /** 1.22+ only. */
  readonly Physdev?: string;
  readonly [other: string]: DBusPlain | undefined;
}

export interface Modem3gppProps {
  readonly Imei?: string;
  readonly RegistrationState?: Modem3gppRegistrationState;
  readonly OperatorCode?: string;
  readonly OperatorName?: string;
  readonly InitialEpsBearer?: string;
  readonly InitialEpsBearerSettings?: VarDict;
  readonly PacketServiceState?: number;
  readonly [other: string]: DBusPlain | undefined;
}

export interface SignalProps {
  readonly Rate?: number;
  readonly Gsm?: VarDict;
  readonly Umts?: VarDict;
  readonly Lte?: VarDict;
  readonly Nr5g?: VarDict;
  readonly [other: string]: DBusPlain | undefined;
}

export interface LocationProps {
  readonly Capabilities?: number;
  readonly Enabled?: number;
  readonly SignalsLocation?: boolean;
  /** a{uv}: keys are MMModemLocationSource values (as strings). */
  readonly Location?: VarDict;
  readonly GpsRefreshRate?: number;
  readonly [other: string]: DBusPlain | undefined;
}

export interface SimProps {
  readonly Active?: boolean;
  readonly SimIdentifier?: string;
  readonly Imsi?: string;
  readonly Eid?: string;
  readonly OperatorIdentifier?: string;
  readonly OperatorName?: string;
  readonly SimType?: SimType;
  readonly EsimStatus?: number;
  readonly [other: string]: DBusPlain | undefined;
}

/** Ip4Config / Ip6Config: `method` always; address/prefix/gateway/dns1..3/mtu for static. */
export interface IpConfig {
  readonly method?: BearerIpMethod;
  readonly address?: string;
  readonly prefix?: number;
  readonly gateway?: string;
  readonly dns1?: string;
  readonly dns2?: string;
  readonly dns3?: string;
  readonly mtu?: number;
  readonly [other: string]: DBusPlain | undefined;
}

export interface BearerProps {
  readonly Interface?: string;
  readonly Connected?: boolean;
  /** (ss): [D-Bus error name, message]; ['', ''] when none. */
  readonly ConnectionError?: readonly [string, string];
  readonly Suspended?: boolean;
  readonly Multiplexed?: boolean;
  readonly Ip4Config?: IpConfig;
  readonly Ip6Config?: IpConfig;
  readonly Stats?: VarDict;
  readonly IpTimeout?: number;
  readonly BearerType?: BearerType;
  readonly ProfileId?: number;
  readonly Properties?: VarDict;
  readonly [other: string]: DBusPlain | IpConfig | undefined;
}

export interface ManagerProps {
  readonly Version?: string;
  readonly [other: string]: DBusPlain | undefined;
}

export type PropsRecord = { readonly [name: string]: DBusPlain | undefined };

/** Interface name → its typed property record. Other interfaces fall back to PropsRecord. */
export interface InterfaceProps {
  'org.freedesktop.ModemManager1.Modem': ModemProps;
  'org.freedesktop.ModemManager1.Modem.Simple': PropsRecord;
  'org.freedesktop.ModemManager1.Modem.Modem3gpp': Modem3gppProps;
  'org.freedesktop.ModemManager1.Modem.Modem3gpp.ProfileManager': PropsRecord;
  'org.freedesktop.ModemManager1.Modem.Signal': SignalProps;
  'org.freedesktop.ModemManager1.Modem.Location': LocationProps;
  'org.freedesktop.ModemManager1.Sim': SimProps;
  'org.freedesktop.ModemManager1.Bearer': BearerProps;
}
