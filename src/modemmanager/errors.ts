/**
 * ModemManager error names and their classification. MM's D-Bus error names are kept verbatim
 * on every error we raise (ModemManagerError.errorName), and `classify` maps them to what the
 * reconciler can act on: retry later, fix the configuration, the SIM needs attention, ...
 */
import { DBusAbortedError, DBusCallError, DBusDisconnectedError, DBusTimeoutError } from '../dbus/index.js';

export const MM_ERROR_PREFIX = 'org.freedesktop.ModemManager1.Error.';

/** Names the agent reacts to (a subset; any other name is kept and classified by domain). */
export const MMError = {
  CoreFailed: 'org.freedesktop.ModemManager1.Error.Core.Failed',
  CoreCancelled: 'org.freedesktop.ModemManager1.Error.Core.Cancelled',
  CoreAborted: 'org.freedesktop.ModemManager1.Error.Core.Aborted',
  CoreUnsupported: 'org.freedesktop.ModemManager1.Error.Core.Unsupported',
  CoreUnauthorized: 'org.freedesktop.ModemManager1.Error.Core.Unauthorized',
  CoreInvalidArgs: 'org.freedesktop.ModemManager1.Error.Core.InvalidArgs',
  CoreInProgress: 'org.freedesktop.ModemManager1.Error.Core.InProgress',
  CoreWrongState: 'org.freedesktop.ModemManager1.Error.Core.WrongState',
  CoreConnected: 'org.freedesktop.ModemManager1.Error.Core.Connected',
  CoreTooMany: 'org.freedesktop.ModemManager1.Error.Core.TooMany',
  CoreNotFound: 'org.freedesktop.ModemManager1.Error.Core.NotFound',
  CoreRetry: 'org.freedesktop.ModemManager1.Error.Core.Retry',
  CoreExists: 'org.freedesktop.ModemManager1.Error.Core.Exists',
  CoreWrongSimState: 'org.freedesktop.ModemManager1.Error.Core.WrongSimState',
  CoreResetAndRetry: 'org.freedesktop.ModemManager1.Error.Core.ResetAndRetry',
  /** 1.24+ */
  CoreThrottled: 'org.freedesktop.ModemManager1.Error.Core.Throttled',
  /** 1.24+ */
  CoreTimeout: 'org.freedesktop.ModemManager1.Error.Core.Timeout',
  ConnectionNoCarrier: 'org.freedesktop.ModemManager1.Error.Connection.NoCarrier',
  SimNotInserted: 'org.freedesktop.ModemManager1.Error.MobileEquipment.SimNotInserted',
  SimPin: 'org.freedesktop.ModemManager1.Error.MobileEquipment.SimPin',
  SimPuk: 'org.freedesktop.ModemManager1.Error.MobileEquipment.SimPuk',
  SimWrong: 'org.freedesktop.ModemManager1.Error.MobileEquipment.SimWrong',
  SimFailure: 'org.freedesktop.ModemManager1.Error.MobileEquipment.SimFailure',
  IncorrectPassword: 'org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword',
  NoNetwork: 'org.freedesktop.ModemManager1.Error.MobileEquipment.NoNetwork',
  NetworkTimeout: 'org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkTimeout',
  NetworkNotAllowed: 'org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkNotAllowed',
  MissingOrUnknownApn: 'org.freedesktop.ModemManager1.Error.MobileEquipment.MissingOrUnknownApn',
  UserAuthenticationFailed: 'org.freedesktop.ModemManager1.Error.MobileEquipment.UserAuthenticationFailed',
  PdpAuthFailure: 'org.freedesktop.ModemManager1.Error.MobileEquipment.PdpAuthFailure',
  ServiceOptionNotSubscribed:
    'org.freedesktop.ModemManager1.Error.MobileEquipment.ServiceOptionNotSubscribed',
  RequestedApnNotSupported: 'org.freedesktop.ModemManager1.Error.MobileEquipment.RequestedApnNotSupported',
  MultiplePdnSameApnNotAllowed:
    'org.freedesktop.ModemManager1.Error.MobileEquipment.MultiplePdnConnectionSameApnNotAllowed',
} as const;

/**
 * What the caller should do about a failure.
 *  - transient: try again later (busy, in progress, timeouts, connection loss, network issues)
 *  - config: our request is wrong for this modem/network (bad APN, auth, unsupported, invalid args)
 *  - sim: the SIM needs attention (missing, locked, wrong)
 *  - state: the modem is in the wrong state for the request (enable it first, ...)
 *  - permission: polkit/bus policy refused
 *  - gone: the object or service no longer exists (modem unplugged, MM restarted)
 *  - cancelled: we cancelled it (AbortSignal) or MM did
 *  - unknown: anything else (e.g. Core.Failed "Call setup failed")
 */
export type ErrorClass =
  | 'transient'
  | 'config'
  | 'sim'
  | 'state'
  | 'permission'
  | 'gone'
  | 'cancelled'
  | 'unknown';

const BY_NAME: Readonly<Record<string, ErrorClass>> = {
  [MMError.CoreInProgress]: 'transient',
  [MMError.CoreRetry]: 'transient',
  [MMError.CoreResetAndRetry]: 'transient',
  [MMError.CoreThrottled]: 'transient',
  [MMError.CoreTimeout]: 'transient',
  [MMError.ConnectionNoCarrier]: 'transient',
  [MMError.NoNetwork]: 'transient',
  [MMError.NetworkTimeout]: 'transient',
  [MMError.CoreWrongState]: 'state',
  [MMError.CoreConnected]: 'state',
  [MMError.CoreWrongSimState]: 'sim',
  [MMError.SimNotInserted]: 'sim',
  [MMError.SimPin]: 'sim',
  [MMError.SimPuk]: 'sim',
  [MMError.SimWrong]: 'sim',
  [MMError.SimFailure]: 'sim',
  [MMError.IncorrectPassword]: 'sim',
  [MMError.CoreUnsupported]: 'config',
  [MMError.CoreInvalidArgs]: 'config',
  [MMError.CoreTooMany]: 'config',
  [MMError.CoreExists]: 'config',
  [MMError.MissingOrUnknownApn]: 'config',
  [MMError.UserAuthenticationFailed]: 'config',
  [MMError.PdpAuthFailure]: 'config',
  [MMError.ServiceOptionNotSubscribed]: 'config',
  [MMError.RequestedApnNotSupported]: 'config',
  [MMError.MultiplePdnSameApnNotAllowed]: 'config',
  [MMError.NetworkNotAllowed]: 'config',
  [MMError.CoreUnauthorized]: 'permission',
  [MMError.CoreNotFound]: 'gone',
  [MMError.CoreCancelled]: 'cancelled',
  [MMError.CoreAborted]: 'cancelled',
  [MMError.CoreFailed]: 'unknown',
  // our own, for failures without a D-Bus reply (see toModemManagerError)
  'local.Timeout': 'transient',
  'local.Disconnected': 'transient',
  'local.Aborted': 'cancelled',
  // bus-level names
  'org.freedesktop.DBus.Error.NoReply': 'transient',
  'org.freedesktop.DBus.Error.Timeout': 'transient',
  'org.freedesktop.DBus.Error.TimedOut': 'transient',
  'org.freedesktop.DBus.Error.LimitsExceeded': 'transient',
  'org.freedesktop.DBus.Error.ServiceUnknown': 'gone',
  'org.freedesktop.DBus.Error.NameHasNoOwner': 'gone',
  'org.freedesktop.DBus.Error.UnknownObject': 'gone',
  'org.freedesktop.DBus.Error.UnknownMethod': 'gone',
  'org.freedesktop.DBus.Error.UnknownInterface': 'gone',
  'org.freedesktop.DBus.Error.AccessDenied': 'permission',
  'org.freedesktop.DBus.Error.InvalidArgs': 'config',
};

/** Classifies an error name (a D-Bus error name, MM's or the bus's). */
export function classifyName(errorName: string): ErrorClass {
  const exact = BY_NAME[errorName];
  if (exact) return exact;
  if (errorName.startsWith(`${MM_ERROR_PREFIX}Connection.`)) return 'transient';
  // the remaining MobileEquipment codes (3GPP 27.007 / 24.008 causes) are network or
  // subscription refusals; retrying later is the safe default
  if (errorName.startsWith(`${MM_ERROR_PREFIX}MobileEquipment.`)) return 'transient';
  if (errorName.startsWith(`${MM_ERROR_PREFIX}Serial.`)) return 'transient';
  return 'unknown';
}

/** A failed ModemManager call, with MM's error name kept verbatim. */
export class ModemManagerError extends Error {
  override readonly name = 'ModemManagerError';
  readonly errorClass: ErrorClass;
  constructor(
    /** D-Bus error name, or `local.Timeout`, `local.Disconnected`, `local.Aborted`. */
    readonly errorName: string,
    readonly text: string,
    readonly method: string,
    options?: { cause?: unknown },
  ) {
    super(`${method}: ${errorName}${text ? `: ${text}` : ''}`, options);
    this.errorClass = classifyName(errorName);
  }
}

export const LOCAL_TIMEOUT = 'local.Timeout';
export const LOCAL_DISCONNECTED = 'local.Disconnected';
export const LOCAL_ABORTED = 'local.Aborted';

/** Converts an adapter error into a ModemManagerError (other errors pass through unchanged). */
export function toModemManagerError(e: unknown, method: string): unknown {
  if (e instanceof DBusCallError) return new ModemManagerError(e.errorName, e.text, method, { cause: e });
  if (e instanceof DBusTimeoutError)
    return new ModemManagerError(LOCAL_TIMEOUT, e.message, method, { cause: e });
  if (e instanceof DBusDisconnectedError)
    return new ModemManagerError(LOCAL_DISCONNECTED, e.message, method, { cause: e });
  if (e instanceof DBusAbortedError)
    return new ModemManagerError(LOCAL_ABORTED, e.message, method, { cause: e });
  return e;
}

/** The class of any error a client call may reject with. */
export function classify(e: unknown): ErrorClass {
  if (e instanceof ModemManagerError) return e.errorClass;
  if (e instanceof DBusCallError) return classifyName(e.errorName);
  if (e instanceof DBusTimeoutError || e instanceof DBusDisconnectedError) return 'transient';
  if (e instanceof DBusAbortedError) return 'cancelled';
  return 'unknown';
}
