/** Soft recovery of a missing modem: driver rebind through sysfs, ModemManager stop by a checked signal. */
export {
  type Bus,
  type DeviceAddress,
  pciDeviceName,
  type RebindTarget,
  resolveTarget,
  usbDeviceName,
} from './address.js';
export {
  DEFAULT_FS_TIMEOUT_MS,
  DEFAULT_ROOTS,
  nodeRecoveryFs,
  type PathKind,
  type RecoveryFs,
  type RecoveryRoots,
} from './fs.js';
export {
  identifyProcess,
  inspectProcess,
  MODEMMANAGER_COMM,
  type ModemManagerProcess,
  type ProcessIdentity,
  type ProcessLookup,
  type ProcessOptions,
  parseProcStat,
  type RestartFailure,
  type RestartOptions,
  type RestartResult,
  restartModemManager,
} from './modemmanager.js';
export {
  DEFAULT_MISSING_FOR_MS,
  type MissingModem,
  type RecoveryDecision,
  type RecoverySettings,
  recoveryDue,
} from './policy.js';
export {
  DEFAULT_REBIND_PAUSE_MS,
  FALLBACK_DRIVER,
  type RebindFailure,
  type RebindOptions,
  type RebindResult,
  rebindModemDevice,
  type SysfsWrite,
} from './rebind.js';
