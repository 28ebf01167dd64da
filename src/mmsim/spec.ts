/**
 * The ModemManager API subset the simulator exports, written down once with argument names so that
 * dbus-next's member tables (configureMembers) and our introspection XML both derive from it.
 * Every entry mirrors /usr/share/dbus-1/interfaces/org.freedesktop.ModemManager1*.xml (MM 1.20.4);
 * e2e/mmsim/fidelity.test.ts checks that against the live simulator.
 */
import { IFACE } from './names.js';

export interface ArgSpec {
  readonly name: string;
  readonly type: string;
}
export interface MethodSpec {
  readonly in: readonly ArgSpec[];
  readonly out: readonly ArgSpec[];
}
export interface PropertySpec {
  readonly type: string;
  readonly access: 'read' | 'readwrite';
}
export interface InterfaceSpec {
  readonly name: string;
  readonly methods: Readonly<Record<string, MethodSpec>>;
  readonly properties: Readonly<Record<string, PropertySpec>>;
  readonly signals: Readonly<Record<string, readonly ArgSpec[]>>;
}

/** `args('sources:u', 'signal_location:b')` → ArgSpec list. */
function args(...list: string[]): ArgSpec[] {
  return list.map((a) => {
    const i = a.indexOf(':');
    return { name: a.slice(0, i), type: a.slice(i + 1) };
  });
}
function m(inArgs: string[] = [], outArgs: string[] = []): MethodSpec {
  return { in: args(...inArgs), out: args(...outArgs) };
}
/** `props('State:i', 'Sim:o')` → read-only properties (every MM property in the subset is read-only). */
function props(...list: string[]): Record<string, PropertySpec> {
  const out: Record<string, PropertySpec> = {};
  for (const a of args(...list)) out[a.name] = { type: a.type, access: 'read' };
  return out;
}

export const managerSpec: InterfaceSpec = {
  name: IFACE.manager,
  methods: {
    ScanDevices: m(),
    SetLogging: m(['level:s']),
    ReportKernelEvent: m(['properties:a{sv}']),
  },
  properties: props('Version:s'),
  signals: {},
};

/** Not in MM's XML: the freedesktop standard interface (D-Bus specification, "ObjectManager"). */
export const objectManagerSpec: InterfaceSpec = {
  name: IFACE.objectManager,
  methods: { GetManagedObjects: m([], ['objpath_interfaces_and_properties:a{oa{sa{sv}}}']) },
  properties: {},
  signals: {
    InterfacesAdded: args('object_path:o', 'interfaces_and_properties:a{sa{sv}}'),
    InterfacesRemoved: args('object_path:o', 'interfaces:as'),
  },
};

export const modemSpec: InterfaceSpec = {
  name: IFACE.modem,
  methods: {
    Enable: m(['enable:b']),
    ListBearers: m([], ['bearers:ao']),
    CreateBearer: m(['properties:a{sv}'], ['path:o']),
    DeleteBearer: m(['bearer:o']),
    Reset: m(),
    SetPowerState: m(['state:u']),
    SetCurrentModes: m(['modes:(uu)']),
    SetPrimarySimSlot: m(['sim_slot:u']),
  },
  properties: props(
    'Sim:o',
    'SimSlots:ao',
    'PrimarySimSlot:u',
    'Bearers:ao',
    'SupportedCapabilities:au',
    'CurrentCapabilities:u',
    'MaxBearers:u',
    'MaxActiveBearers:u',
    'MaxActiveMultiplexedBearers:u',
    'Manufacturer:s',
    'Model:s',
    'Revision:s',
    'CarrierConfiguration:s',
    'CarrierConfigurationRevision:s',
    'HardwareRevision:s',
    'DeviceIdentifier:s',
    'Device:s',
    'Drivers:as',
    'Plugin:s',
    'PrimaryPort:s',
    'Ports:a(su)',
    'EquipmentIdentifier:s',
    'UnlockRequired:u',
    'UnlockRetries:a{uu}',
    'State:i',
    'StateFailedReason:u',
    'AccessTechnologies:u',
    'SignalQuality:(ub)',
    'OwnNumbers:as',
    'PowerState:u',
    'SupportedModes:a(uu)',
    'CurrentModes:(uu)',
    'SupportedBands:au',
    'CurrentBands:au',
    'SupportedIpFamilies:u',
  ),
  signals: { StateChanged: args('old:i', 'new:i', 'reason:u') },
};

export const simpleSpec: InterfaceSpec = {
  name: IFACE.simple,
  methods: {
    Connect: m(['properties:a{sv}'], ['bearer:o']),
    Disconnect: m(['bearer:o']),
    GetStatus: m([], ['properties:a{sv}']),
  },
  properties: {},
  signals: {},
};

export const modem3gppSpec: InterfaceSpec = {
  name: IFACE.modem3gpp,
  methods: {
    Register: m(['operator_id:s']),
    Scan: m([], ['results:aa{sv}']),
    SetInitialEpsBearerSettings: m(['settings:a{sv}']),
  },
  properties: props(
    'Imei:s',
    'RegistrationState:u',
    'OperatorCode:s',
    'OperatorName:s',
    'EnabledFacilityLocks:u',
    'SubscriptionState:u',
    'EpsUeModeOperation:u',
    'Pco:a(ubay)',
    'InitialEpsBearer:o',
    'InitialEpsBearerSettings:a{sv}',
    'PacketServiceState:u',
    'Nr5gRegistrationSettings:a{sv}',
  ),
  signals: {},
};

export const profileManagerSpec: InterfaceSpec = {
  name: IFACE.profileManager,
  methods: { List: m([], ['profiles:aa{sv}']) },
  properties: props('IndexField:s'),
  signals: { Updated: [] },
};

export const signalSpec: InterfaceSpec = {
  name: IFACE.signal,
  methods: { Setup: m(['rate:u']) },
  properties: props(
    'Rate:u',
    'RssiThreshold:u',
    'ErrorRateThreshold:b',
    'Cdma:a{sv}',
    'Evdo:a{sv}',
    'Gsm:a{sv}',
    'Umts:a{sv}',
    'Lte:a{sv}',
    'Nr5g:a{sv}',
  ),
  signals: {},
};

export const locationSpec: InterfaceSpec = {
  name: IFACE.location,
  methods: {
    Setup: m(['sources:u', 'signal_location:b']),
    GetLocation: m([], ['Location:a{uv}']),
    SetGpsRefreshRate: m(['rate:u']),
  },
  properties: props(
    'Capabilities:u',
    'SupportedAssistanceData:u',
    'Enabled:u',
    'SignalsLocation:b',
    'Location:a{uv}',
    'SuplServer:s',
    'AssistanceDataServers:as',
    'GpsRefreshRate:u',
  ),
  signals: {},
};

export const simSpec: InterfaceSpec = {
  name: IFACE.sim,
  methods: { SendPin: m(['pin:s']) },
  properties: props(
    'Active:b',
    'SimIdentifier:s',
    'Imsi:s',
    'Eid:s',
    'OperatorIdentifier:s',
    'OperatorName:s',
    'EmergencyNumbers:as',
    'PreferredNetworks:a(su)',
    'Gid1:ay',
    'Gid2:ay',
    'SimType:u',
    'EsimStatus:u',
    'Removability:u',
  ),
  signals: {},
};

export const bearerSpec: InterfaceSpec = {
  name: IFACE.bearer,
  methods: { Connect: m(), Disconnect: m() },
  properties: props(
    'Interface:s',
    'Connected:b',
    'ConnectionError:(ss)',
    'Suspended:b',
    'Multiplexed:b',
    'Ip4Config:a{sv}',
    'Ip6Config:a{sv}',
    'Stats:a{sv}',
    'ReloadStatsSupported:b',
    'IpTimeout:u',
    'BearerType:u',
    'ProfileId:i',
    'Properties:a{sv}',
  ),
  signals: {},
};

/** Every ModemManager interface the simulator exports (the fidelity check walks these). */
export const mmInterfaceSpecs: readonly InterfaceSpec[] = [
  managerSpec,
  modemSpec,
  simpleSpec,
  modem3gppSpec,
  profileManagerSpec,
  signalSpec,
  locationSpec,
  simSpec,
  bearerSpec,
];
