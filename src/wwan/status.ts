/**
 * One modem as EVE's WwanNetworkStatus, projected from the ModemManager snapshot (a ModemView) plus
 * what only the agent knows (label, addresses, errors, scan results, profiles). Pure: the clock and
 * the SIM/bearer objects outside the view come in as parameters.
 *
 * Follows EVE's getModemStatus (../shared/reference/eve-mmagent.md §3.3) field by field, with these
 * deliberate differences:
 *   - IPv6: EVE read Ip6Config only when reading Ip4Config failed, so an IPv6-only bearer showed no
 *     address. Both families are read (bearerIpConfigs). The schema has one Address, so IPSettings
 *     keeps IPv4's address and gateway when there is one (what EVE consumers expect) and IPv6's
 *     otherwise; DNSServers lists IPv4's then IPv6's servers; MTU is IPv4's, else IPv6's. The full
 *     per-family data is bearerIpConfigs' result for the agent's addresses and routes.
 *   - A bearer with an unknown BearerType (MM < 1.10) can still be the data bearer when no bearer
 *     says Default.
 *   - ConnectedAt without Stats.start-date prefers the agent's own observation (connectedAtFallback)
 *     to EVE's `now - duration`, which moves every time Stats refresh and would republish the status.
 *   - Dev is '' without a primary port (Go's filepath.Join gave "/dev").
 * Go encoding is mirrored: empty slices are null, a nil net.IP (Gateway) is "".
 */
import { isIP } from 'node:net';
import type { ModemView, Snapshot } from '../modemmanager/snapshot.js';
import { propsOf } from '../modemmanager/snapshot.js';
import {
  BearerIpFamily,
  BearerIpMethod,
  type BearerProps,
  BearerType,
  IFACE,
  type IpConfig,
  Modem3gppRegistrationState,
  ModemLocationSource,
  ModemPowerState,
  ModemState,
  ModemStateFailedReason,
  type SimProps,
  SimType,
  type VarDict,
} from '../modemmanager/types.js';
import type {
  PhysAddrs,
  WwanBearer,
  WwanCellModule,
  WwanIPSettings,
  WwanNetworkConfig,
  WwanNetworkStatus,
  WwanProfile,
  WwanProvider,
  WwanSimCard,
} from '../schemas/types.generated.js';
import { controlProtocol, fullPhysAddrs } from './physaddrs.js';
import { canonicalIp, dict, num, str, uint64 } from './values.js';

export const MODEM_NOT_FOUND = 'modem not found';

type RAT = NonNullable<WwanNetworkStatus['CurrentRATs']>[number];
type IPType = WwanBearer['IPType'];

/** SIM and bearer objects are separate D-Bus objects; the snapshot has them (see lookupsFrom). */
export interface ObjectLookups {
  readonly simProps?: (path: string) => SimProps | undefined;
  readonly bearerProps?: (path: string) => BearerProps | undefined;
}

export interface StatusFacts extends ObjectLookups {
  /** '' for a modem no config drives. */
  readonly label: string;
  readonly physAddrs: PhysAddrs;
  readonly configError?: string;
  readonly probeError?: string;
  readonly visibleProviders?: readonly WwanProvider[] | null;
  readonly profiles?: readonly WwanProfile[] | null;
  /** Unix seconds the agent saw the data bearer connect; used when Stats has no start-date. */
  readonly connectedAtFallback?: number;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: () => number;
}

/** The SIM and bearer lookups over a snapshot. */
export function lookupsFrom(snap: Snapshot): Required<ObjectLookups> {
  return {
    simProps: (p) => propsOf(snap, p, IFACE.sim),
    bearerProps: (p) => propsOf(snap, p, IFACE.bearer),
  };
}

const nullIfEmpty = <T>(a: readonly T[]): T[] | null => (a.length > 0 ? [...a] : null);

/* ------------------------------------------------------------------------------------- module */

/** Modem.State, then PowerState OFF/LOW overrides to radio-off. */
export function opMode(view: ModemView): WwanCellModule['OpMode'] {
  const power = view.modem.PowerState;
  if (power === ModemPowerState.Off || power === ModemPowerState.Low) return 'radio-off';
  switch (view.modem.State ?? ModemState.Unknown) {
    case ModemState.Unknown:
      return 'unrecognized';
    case ModemState.Registered:
    case ModemState.Connecting:
      return 'online';
    case ModemState.Connected:
      return 'online-and-connected';
    default:
      return 'offline';
  }
}

export function cellModule(view: ModemView): WwanCellModule {
  const m = view.modem;
  const imei = m.EquipmentIdentifier ?? '';
  return {
    Name: imei,
    IMEI: imei,
    Model: m.Model ?? '',
    Manufacturer: m.Manufacturer ?? '',
    Revision: m.Revision ?? '',
    ControlProtocol: controlProtocol(view),
    OpMode: opMode(view),
  };
}

/* --------------------------------------------------------------------------------------- SIMs */

const validPath = (p: string | undefined): p is string => typeof p === 'string' && p.length > 1;

/** StateFailedReason, read (as EVE) only when the modem is in the FAILED state. */
function failedReason(view: ModemView): number {
  return view.modem.State === ModemState.Failed ? (view.modem.StateFailedReason ?? 0) : 0;
}

/**
 * One entry per SIM slot, empty slots included (EVE's rules, §3.3). MM lists slot objects in
 * `SimSlots` ("/" for an empty slot, or for the active eSIM slot, hence the fallback to `Sim` for the
 * primary slot); single-slot modems have only `Sim`.
 */
export function simCards(view: ModemView, lookups: ObjectLookups = {}): WwanSimCard[] | null {
  const m = view.modem;
  const simProps = (p: string): SimProps | undefined =>
    lookups.simProps?.(p) ?? (view.sim?.path === p ? view.sim.props : undefined);
  const primary = m.PrimarySimSlot || 1;
  const failed = failedReason(view);
  let slots: readonly string[] = m.SimSlots ?? [];
  if (slots.length === 0 && validPath(m.Sim)) slots = [m.Sim];
  const cards = slots.map((slotPath, i): WwanSimCard => {
    const slot = i + 1;
    const isPrimary = slot === primary;
    const hasSlotPath = validPath(slotPath);
    const card: WwanSimCard = {
      Name: '',
      SlotNumber: slot,
      SlotActivated: isPrimary,
      ICCID: '',
      IMSI: '',
      Type: 0,
      State: 'absent',
    };
    const path = !hasSlotPath && isPrimary ? m.Sim : slotPath;
    const sim = validPath(path) ? simProps(path) : undefined;
    if (!sim) return card;
    card.SlotActivated = sim.Active ?? isPrimary; // Active is 1.16+; EVE kept isPrimary when unreadable
    card.ICCID = sim.SimIdentifier ?? '';
    card.Name = card.ICCID;
    card.IMSI = sim.Imsi ?? '';
    let type = sim.SimType ?? SimType.Unknown;
    // MM often says "unknown" for an eSIM; only an eUICC has an EID
    if (type === SimType.Unknown && (sim.Eid ?? '') !== '') type = SimType.Esim;
    if (type === SimType.Esim) {
      card.Type = 2;
      if (sim.EsimStatus === 2 /* MM_SIM_ESIM_STATUS_WITH_PROFILES */) card.State = 'present';
    } else {
      if (type === SimType.Physical) card.Type = 1;
      // the Sim fallback does not prove a card in the slot: only the slot array does
      if (hasSlotPath) card.State = 'present';
    }
    if (!card.SlotActivated) card.State = 'inactive';
    if (isPrimary && failed === ModemStateFailedReason.SimError) card.State = 'error';
    return card;
  });
  if (cards.length === 0 && failed === ModemStateFailedReason.SimMissing) {
    cards.push({
      Name: '',
      SlotNumber: 1,
      SlotActivated: true,
      ICCID: '',
      IMSI: '',
      Type: 0,
      State: 'absent',
    });
  }
  return nullIfEmpty(cards);
}

/* ---------------------------------------------------------------------------- provider & RATs */

export function currentProvider(view: ModemView): WwanProvider {
  const g = view.modem3gpp;
  const reg = g?.RegistrationState;
  const plmn = g?.OperatorCode ?? '';
  return {
    PLMN: plmn,
    Description: plmn !== '' ? (g?.OperatorName ?? '') : '',
    CurrentServing: plmn !== '',
    Roaming:
      reg === Modem3gppRegistrationState.Roaming ||
      reg === Modem3gppRegistrationState.RoamingSmsOnly ||
      reg === Modem3gppRegistrationState.RoamingCsfbNotPreferred,
    Forbidden: reg === Modem3gppRegistrationState.Denied,
  };
}

/** MMModemAccessTechnology bits per EVE RAT, in EVE's order (newest first). */
export const RAT_ACCESS_TECHNOLOGIES: readonly (readonly [RAT, number])[] = [
  ['5gnr', 1 << 15],
  ['lte', (1 << 14) | (1 << 16) | (1 << 17)], // LTE, LTE Cat-M, NB-IoT
  ['umts', (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9)], // UMTS, HSDPA, HSUPA, HSPA, HSPA+
  ['gsm', (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4)], // GSM, GSM compact, GPRS, EDGE
];

export function currentRATs(view: ModemView): RAT[] | null {
  const at = view.modem.AccessTechnologies ?? 0;
  return nullIfEmpty(RAT_ACCESS_TECHNOLOGIES.filter(([, bits]) => (at & bits) !== 0).map(([r]) => r));
}

/* ------------------------------------------------------------------------------------ bearers */

/** MMBearerIpFamily → WwanIPType (anything else, e.g. ANY or NON_IP, is unspecified). */
export function ipTypeOf(family: number | undefined): IPType {
  switch (family) {
    case BearerIpFamily.Ipv4:
      return 'ipv4';
    case BearerIpFamily.Ipv6:
      return 'ipv6';
    case BearerIpFamily.Ipv4v6:
      return 'ipv4v6';
    default:
      return '';
  }
}

/** ModemManager's BearerType → EVE's (whose numbering differs: attach 1, default 2, dedicated 3). */
export function eveBearerType(t: number | undefined): WwanBearer['Type'] {
  switch (t) {
    case BearerType.DefaultAttach:
      return 1;
    case BearerType.Default:
      return 2;
    case BearerType.Dedicated:
      return 3;
    default:
      return 0;
  }
}

/** Unix seconds a connected bearer came up: Stats start-date, else the fallback, else now - duration. */
export function bearerConnectedAt(props: BearerProps, nowMs: number, fallback?: number): number {
  if (props.Connected !== true) return 0;
  const stats = dict(props.Stats);
  const start = uint64(stats?.['start-date']);
  if (start !== undefined && start > 0) return start;
  if (fallback !== undefined && fallback > 0) return Math.trunc(fallback);
  const duration = uint64(stats?.duration);
  if (duration === undefined) return 0;
  return Math.max(0, Math.trunc(nowMs / 1000) - duration);
}

export function bearerStatus(props: BearerProps, nowMs: number, connectedAtFallback?: number): WwanBearer {
  const [errName, errMessage] = Array.isArray(props.ConnectionError) ? props.ConnectionError : ['', ''];
  const properties = dict(props.Properties);
  return {
    APN: str(properties?.apn) ?? '',
    Type: eveBearerType(props.BearerType),
    IPType: ipTypeOf(num(properties?.['ip-type'])),
    Connected: props.Connected === true,
    // EVE: "<D-Bus error name>: <message>", or the name alone
    ConnectionError: errName ? (errMessage ? `${errName}: ${errMessage}` : errName) : '',
    ConnectedAt: bearerConnectedAt(props, nowMs, connectedAtFallback),
  };
}

/**
 * The bearer carrying the data connection: the first connected bearer of type Default, else (old MM
 * without BearerType) the first connected one whose type is unknown.
 */
export function dataBearer(view: ModemView): { path: string; props: BearerProps } | undefined {
  const connected = view.bearers.filter((b) => b.props.Connected === true);
  return (
    connected.find((b) => b.props.BearerType === BearerType.Default) ??
    connected.find((b) => (b.props.BearerType ?? BearerType.Unknown) === BearerType.Unknown)
  );
}

/* -------------------------------------------------------------------------------- IP settings */

export interface BearerIpConfig {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
  /** '' for a point-to-point bearer without one (the kit's HSO modem): route via the device. */
  readonly gateway: string;
  readonly dns: readonly string[];
  /** 0 when ModemManager gives none. */
  readonly mtu: number;
}

export interface BearerIpConfigs {
  readonly ipv4?: BearerIpConfig;
  readonly ipv6?: BearerIpConfig;
  /** Why a family that ModemManager reports is not usable (unsupported method, bad address). */
  readonly errors: readonly string[];
}

function familyConfig(
  cfg: IpConfig | undefined,
  family: 4 | 6,
  errors: string[],
): BearerIpConfig | undefined {
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) return undefined;
  const c = cfg;
  const method = num(c.method);
  // MM exports an Ip4Config/Ip6Config of {method: UNKNOWN} for a family it did not bring up
  if (method === undefined || method === BearerIpMethod.Unknown) return undefined;
  if (method !== BearerIpMethod.Static) {
    // DHCP/PPP: the kernel or pppd configures the link; only STATIC hands us an address (as EVE)
    errors.push(`IPv${family}: unsupported method ${method} (only static is supported)`);
    return undefined;
  }
  const address = canonicalIp(str(c.address));
  if (address === undefined || isIP(address) !== family) {
    errors.push(`IPv${family}: invalid address ${JSON.stringify(c.address ?? '')}`);
    return undefined;
  }
  const max = family === 4 ? 32 : 128;
  const p = num(c.prefix);
  // a prefix of 0 (or none) on a host address is never what a bearer means: use a host route
  const prefix = p !== undefined && p > 0 && p <= max ? Math.trunc(p) : max;
  const gw = canonicalIp(str(c.gateway));
  const dns = ['dns1', 'dns2', 'dns3']
    .map((k) => canonicalIp(str(c[k])))
    .filter((d): d is string => d !== undefined);
  const mtu = num(c.mtu);
  return {
    family,
    address,
    prefix,
    gateway: gw !== undefined && isIP(gw) === family ? gw : '',
    dns,
    mtu: mtu !== undefined && mtu > 0 && mtu <= 65535 ? Math.trunc(mtu) : 0,
  };
}

/** Both families of a bearer's IP configuration (EVE read IPv6 only when IPv4 was unreadable). */
export function bearerIpConfigs(props: BearerProps): BearerIpConfigs {
  const errors: string[] = [];
  const ipv4 = familyConfig(props.Ip4Config, 4, errors);
  const ipv6 = familyConfig(props.Ip6Config, 6, errors);
  return { ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}), errors };
}

/** A Go net.IPMask (prefix ones over 4 or 16 bytes) as encoding/json writes it: base64. */
export function maskBase64(prefix: number, family: 4 | 6): string {
  const bytes = Buffer.alloc(family === 4 ? 4 : 16);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = (0xff << (8 - bits)) & 0xff;
  }
  return bytes.toString('base64');
}

export const NO_IP_SETTINGS: WwanIPSettings = Object.freeze({
  Address: null,
  Gateway: '',
  DNSServers: null,
  MTU: 0,
});

/** The schema's single-address IPSettings from both families (see the file comment). */
export function ipSettings(configs: BearerIpConfigs): WwanIPSettings {
  const main = configs.ipv4 ?? configs.ipv6;
  if (!main) return { ...NO_IP_SETTINGS };
  const dns = [...new Set([...(configs.ipv4?.dns ?? []), ...(configs.ipv6?.dns ?? [])])];
  return {
    Address: { IP: main.address, Mask: maskBase64(main.prefix, main.family) },
    Gateway: main.gateway,
    DNSServers: nullIfEmpty(dns),
    MTU: configs.ipv4?.mtu || configs.ipv6?.mtu || 0,
  };
}

/* ----------------------------------------------------------------------------- whole network */

export function locationTracking(view: ModemView): boolean {
  const loc = view.location;
  return loc?.SignalsLocation === true && ((loc.Enabled ?? 0) & ModemLocationSource.GpsRaw) !== 0;
}

export function networkStatus(view: ModemView, facts: StatusFacts): WwanNetworkStatus {
  const nowMs = (facts.now ?? Date.now)();
  const data = dataBearer(view);
  const bearers = view.bearers.map((b) =>
    bearerStatus(b.props, nowMs, b === data ? facts.connectedAtFallback : undefined),
  );
  const attachPath = view.modem3gpp?.InitialEpsBearer;
  const attach = validPath(attachPath) ? facts.bearerProps?.(attachPath) : undefined;
  if (attach && attach.BearerType === BearerType.DefaultAttach) bearers.push(bearerStatus(attach, nowMs));
  return {
    LogicalLabel: facts.label,
    PhysAddrs: fullPhysAddrs(facts.physAddrs),
    Module: cellModule(view),
    SimCards: simCards(view, facts),
    ConfigError: facts.configError ?? '',
    ProbeError: facts.probeError ?? '',
    CurrentProvider: currentProvider(view),
    VisibleProviders: nullIfEmpty(facts.visibleProviders ?? []),
    CurrentRATs: currentRATs(view),
    ConnectedAt: data ? bearerConnectedAt(data.props, nowMs, facts.connectedAtFallback) : 0,
    IPSettings: data ? ipSettings(bearerIpConfigs(data.props)) : { ...NO_IP_SETTINGS },
    LocationTracking: locationTracking(view),
    Bearers: nullIfEmpty(bearers),
    Profiles: nullIfEmpty(facts.profiles ?? []),
  };
}

/** A configured modem that is not there: EVE's `{LogicalLabel, PhysAddrs, ConfigError}` entry. */
export function missingNetworkStatus(config: WwanNetworkConfig): WwanNetworkStatus {
  return {
    LogicalLabel: config.LogicalLabel ?? '',
    PhysAddrs: fullPhysAddrs(config.PhysAddrs),
    Module: {
      Name: '',
      IMEI: '',
      Model: '',
      Manufacturer: '',
      Revision: '',
      ControlProtocol: '',
      OpMode: '',
    },
    SimCards: null,
    ConfigError: MODEM_NOT_FOUND,
    ProbeError: '',
    CurrentProvider: { PLMN: '', Description: '', CurrentServing: false, Roaming: false, Forbidden: false },
    VisibleProviders: null,
    CurrentRATs: null,
    ConnectedAt: 0,
    IPSettings: { ...NO_IP_SETTINGS },
    LocationTracking: false,
    Bearers: null,
    Profiles: null,
  };
}

/* --------------------------------------------------------------- method results (agent-called) */

/** Modem3gpp.ProfileManager.List entries → WwanProfile (EVE's rules). */
export function profilesFromList(list: readonly VarDict[]): WwanProfile[] {
  return list.map((p) => {
    const id = num(p['profile-id']);
    const name = str(p['profile-name']) ?? '';
    const apnType = num(p['apn-type']);
    let bearerType: WwanProfile['BearerType'] = 0;
    if (apnType !== undefined) {
      if (apnType & 1)
        bearerType = 1; // INITIAL → attach
      else if (apnType & 2)
        bearerType = 2; // DEFAULT
      else if (apnType & ~3) bearerType = 3; // any other purpose: dedicated
    }
    return {
      Name: name !== '' ? name : id !== undefined && id >= 0 ? `profile-id:${id}` : '',
      APN: str(p.apn) ?? '',
      BearerType: bearerType,
      IPType: ipTypeOf(num(p['ip-type'])),
      ForbidRoaming: num(p['roaming-allowance']) === 0,
    };
  });
}

/** Modem3gpp.Scan results → WwanProvider; entries without operator-code are skipped (EVE). */
export function providersFromScan(list: readonly VarDict[]): WwanProvider[] {
  return list.flatMap((e) => {
    const plmn = str(e['operator-code']);
    if (!plmn) return [];
    const status = num(e.status); // MMModem3gppNetworkAvailability: 2 current, 3 forbidden
    return [
      {
        PLMN: plmn,
        Description: str(e['operator-long']) || str(e['operator-short']) || '',
        CurrentServing: status === 2,
        Roaming: false, // not knowable from a scan (EVE's TODO)
        Forbidden: status === 3,
      },
    ];
  });
}
