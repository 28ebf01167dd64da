/** Maps the simulator's friendly names (types.ts) to ModemManager's numbers (enums.ts). */
import {
  AccessTechnology,
  BearerIpFamily,
  Modem3gppNetworkAvailability,
  Modem3gppRegistrationState,
  ModemPortType,
  PowerState,
} from './enums.js';
import type { AccessTechName, IpTypeName, PortSpec, PowerStateName, RegistrationName } from './types.js';

const ACCESS: Readonly<Record<AccessTechName, number>> = {
  gsm: AccessTechnology.GSM,
  gprs: AccessTechnology.GPRS,
  edge: AccessTechnology.EDGE,
  umts: AccessTechnology.UMTS,
  hsdpa: AccessTechnology.HSDPA,
  hsupa: AccessTechnology.HSUPA,
  hspa: AccessTechnology.HSPA,
  lte: AccessTechnology.LTE,
  '5gnr': AccessTechnology['5GNR'],
};

export function accessTechMask(names: readonly AccessTechName[] = []): number {
  let mask = 0;
  for (const n of names) {
    const bit = ACCESS[n];
    if (bit === undefined) throw new Error(`mmsim: unknown access technology '${n}'`);
    mask |= bit;
  }
  return mask >>> 0;
}

const REGISTRATION: Readonly<Record<RegistrationName, number>> = {
  idle: Modem3gppRegistrationState.IDLE,
  home: Modem3gppRegistrationState.HOME,
  searching: Modem3gppRegistrationState.SEARCHING,
  denied: Modem3gppRegistrationState.DENIED,
  unknown: Modem3gppRegistrationState.UNKNOWN,
  roaming: Modem3gppRegistrationState.ROAMING,
};

export function registrationState(name: RegistrationName): number {
  const n = REGISTRATION[name];
  if (n === undefined) throw new Error(`mmsim: unknown registration state '${name}'`);
  return n;
}

export function isRegistered(name: RegistrationName): boolean {
  return name === 'home' || name === 'roaming';
}

const POWER: Readonly<Record<PowerStateName, number>> = {
  on: PowerState.ON,
  low: PowerState.LOW,
  off: PowerState.OFF,
};

export function powerState(name: PowerStateName): number {
  const n = POWER[name];
  if (n === undefined) throw new Error(`mmsim: unknown power state '${name}'`);
  return n;
}

const PORT: Readonly<Record<PortSpec['type'], number>> = {
  net: ModemPortType.NET,
  at: ModemPortType.AT,
  qmi: ModemPortType.QMI,
  mbim: ModemPortType.MBIM,
  gps: ModemPortType.GPS,
  qcdm: ModemPortType.QCDM,
  ignored: ModemPortType.IGNORED,
  unknown: ModemPortType.UNKNOWN,
};

export function portType(type: PortSpec['type']): number {
  const n = PORT[type];
  if (n === undefined) throw new Error(`mmsim: unknown port type '${type}'`);
  return n;
}

const IP_TYPE: Readonly<Record<IpTypeName, number>> = {
  ipv4: BearerIpFamily.IPV4,
  ipv6: BearerIpFamily.IPV6,
  ipv4v6: BearerIpFamily.IPV4V6,
};

export function ipFamily(name: IpTypeName): number {
  const n = IP_TYPE[name];
  if (n === undefined) throw new Error(`mmsim: unknown ip type '${name}'`);
  return n;
}

const AVAILABILITY = {
  unknown: Modem3gppNetworkAvailability.UNKNOWN,
  available: Modem3gppNetworkAvailability.AVAILABLE,
  current: Modem3gppNetworkAvailability.CURRENT,
  forbidden: Modem3gppNetworkAvailability.FORBIDDEN,
} as const;

export function availability(name: keyof typeof AVAILABILITY): number {
  const n = AVAILABILITY[name];
  if (n === undefined) throw new Error(`mmsim: unknown network availability '${name}'`);
  return n;
}
