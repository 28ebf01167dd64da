/**
 * ModemManager D-Bus error names (ModemManager-errors.h, MM 1.20.4) and a constructor for the
 * DBusError that dbus-next turns into an error reply. Names are kept verbatim so clients can classify.
 */
import dbus from '@particle/dbus-next';

const PREFIX = 'org.freedesktop.ModemManager1.Error';

export const MMError = {
  Failed: `${PREFIX}.Core.Failed`,
  Cancelled: `${PREFIX}.Core.Cancelled`,
  Aborted: `${PREFIX}.Core.Aborted`,
  Unsupported: `${PREFIX}.Core.Unsupported`,
  Unauthorized: `${PREFIX}.Core.Unauthorized`,
  InvalidArgs: `${PREFIX}.Core.InvalidArgs`,
  InProgress: `${PREFIX}.Core.InProgress`,
  WrongState: `${PREFIX}.Core.WrongState`,
  Connected: `${PREFIX}.Core.Connected`,
  TooMany: `${PREFIX}.Core.TooMany`,
  NotFound: `${PREFIX}.Core.NotFound`,
  Retry: `${PREFIX}.Core.Retry`,
  Exists: `${PREFIX}.Core.Exists`,
  WrongSimState: `${PREFIX}.Core.WrongSimState`,
  NoCarrier: `${PREFIX}.Connection.NoCarrier`,
  /** What the real-MM kit reports for a network-initiated drop. */
  MeUnknown: `${PREFIX}.MobileEquipment.Unknown`,
  SimNotInserted: `${PREFIX}.MobileEquipment.SimNotInserted`,
  SimPin: `${PREFIX}.MobileEquipment.SimPin`,
  SimPuk: `${PREFIX}.MobileEquipment.SimPuk`,
  IncorrectPassword: `${PREFIX}.MobileEquipment.IncorrectPassword`,
  NoNetwork: `${PREFIX}.MobileEquipment.NoNetwork`,
  NetworkTimeout: `${PREFIX}.MobileEquipment.NetworkTimeout`,
  Ipv4OnlyAllowed: `${PREFIX}.MobileEquipment.Ipv4OnlyAllowed`,
  Ipv6OnlyAllowed: `${PREFIX}.MobileEquipment.Ipv6OnlyAllowed`,
  /** MM_MOBILE_EQUIPMENT_ERROR_USER_AUTHENTICATION_FAILED (since 1.18). */
  UserAuthenticationFailed: `${PREFIX}.MobileEquipment.UserAuthenticationFailed`,
} as const;

/** True for a syntactically valid ModemManager error name (used to vet scripted fault names). */
export function isMMErrorName(name: string): boolean {
  return /^org\.freedesktop\.ModemManager1\.Error\.[A-Za-z]+\.[A-Za-z0-9]+$/.test(name);
}

export function mmError(name: string, message: string): Error {
  return new dbus.DBusError(name, message);
}
