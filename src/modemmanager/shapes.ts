/**
 * The D-Bus types of the ModemManager properties the agent reads (types.ts), checked on the plain
 * values `unwrap` gives, so that a value of the wrong type (a string where MM 1.20 publishes a uint,
 * a string instead of an object path list) never enters the snapshot: it is reported and ignored. The
 * other properties pass as they are (nothing reads them as a type).
 */
import { type DBusPlain, isDict } from '../dbus/index.js';
import { IFACE } from './types.js';

interface Shape {
  /** The D-Bus signature, for the log. */
  readonly sig: string;
  readonly fits: (v: DBusPlain) => boolean;
}

const shape = (sig: string, fits: (v: DBusPlain) => boolean): Shape => ({ sig, fits });
const s = shape('s', (v) => typeof v === 'string');
const o = shape('o', (v) => typeof v === 'string' && v.startsWith('/'));
const n = (sig: string) => shape(sig, (v) => typeof v === 'number' && Number.isFinite(v));
const u = n('u');
const i = n('i');
const b = shape('b', (v) => typeof v === 'boolean');
const dict = (sig: string) => shape(sig, (v) => isDict(v));
const asv = dict('a{sv}');
const list = (e: Shape) => shape(`a${e.sig}`, (v) => Array.isArray(v) && v.every((x) => e.fits(x)));
const struct = (...es: Shape[]) =>
  shape(
    `(${es.map((e) => e.sig).join('')})`,
    (v) => Array.isArray(v) && v.length === es.length && es.every((e, k) => e.fits(v[k]!)),
  );

const SHAPES: Readonly<Record<string, Readonly<Record<string, Shape>>>> = {
  [IFACE.modem]: {
    Sim: o,
    SimSlots: list(o),
    PrimarySimSlot: u,
    Bearers: list(o),
    Manufacturer: s,
    Model: s,
    Revision: s,
    DeviceIdentifier: s,
    Device: s,
    Drivers: list(s),
    Plugin: s,
    PrimaryPort: s,
    Ports: list(struct(s, u)),
    EquipmentIdentifier: s,
    UnlockRequired: u,
    UnlockRetries: dict('a{uu}'),
    State: i,
    StateFailedReason: u,
    AccessTechnologies: u,
    SignalQuality: struct(u, b),
    OwnNumbers: list(s),
    PowerState: u,
    SupportedModes: list(struct(u, u)),
    CurrentModes: struct(u, u),
    SupportedIpFamilies: u,
    Physdev: s,
  },
  [IFACE.modem3gpp]: {
    Imei: s,
    RegistrationState: u,
    OperatorCode: s,
    OperatorName: s,
    InitialEpsBearer: o,
    InitialEpsBearerSettings: asv,
    PacketServiceState: u,
  },
  [IFACE.signal]: { Rate: u, Gsm: asv, Umts: asv, Lte: asv, Nr5g: asv },
  [IFACE.location]: {
    Capabilities: u,
    Enabled: u,
    SignalsLocation: b,
    Location: dict('a{uv}'),
    GpsRefreshRate: u,
  },
  [IFACE.sim]: {
    Active: b,
    SimIdentifier: s,
    Imsi: s,
    Eid: s,
    OperatorIdentifier: s,
    OperatorName: s,
    SimType: u,
    EsimStatus: u,
  },
  [IFACE.bearer]: {
    Interface: s,
    Connected: b,
    ConnectionError: struct(s, s),
    Suspended: b,
    Multiplexed: b,
    Ip4Config: asv,
    Ip6Config: asv,
    Stats: asv,
    IpTimeout: u,
    BearerType: u,
    ProfileId: i,
    Properties: asv,
  },
};

/** A property value ModemManager published with another type than the one it is read as. */
export interface IgnoredProperty {
  readonly path: string;
  readonly iface: string;
  readonly property: string;
  /** The D-Bus signature expected, e.g. `s`, `(ub)`, `ao`. */
  readonly expected: string;
  /** The value as received, cut short for the log. */
  readonly got: string;
}

export type OnIgnored = (x: IgnoredProperty) => void;

/** Whether `value` has the type the agent reads `iface`.`property` as (unknown properties: yes). */
export function fitsShape(iface: string, property: string, value: DBusPlain): boolean {
  const sh = SHAPES[iface]?.[property];
  return sh === undefined || sh.fits(value);
}

/** The report for a value that does not fit. */
export function ignored(path: string, iface: string, property: string, value: DBusPlain): IgnoredProperty {
  const got = JSON.stringify(value) ?? String(value);
  return {
    path,
    iface,
    property,
    expected: SHAPES[iface]?.[property]?.sig ?? '?',
    got: got.length > 80 ? `${got.slice(0, 77)}...` : got,
  };
}

/** `props` without the values of the wrong type (reported to `onIgnored`); the same object when all fit. */
export function checkedProps(
  path: string,
  iface: string,
  props: { readonly [k: string]: DBusPlain },
  onIgnored?: OnIgnored,
): { readonly [k: string]: DBusPlain } {
  const table = SHAPES[iface];
  if (!table) return props;
  let out: Record<string, DBusPlain> | undefined;
  for (const [k, v] of Object.entries(props)) {
    if (fitsShape(iface, k, v)) continue;
    onIgnored?.(ignored(path, iface, k, v));
    out ??= { ...props };
    delete out[k];
  }
  return out ?? props;
}
