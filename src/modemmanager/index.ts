/** Typed ModemManager client over the D-Bus adapter. */
export {
  bearerDict,
  type CallOptions,
  type ConnectProperties,
  METHODS,
  type MethodSpec,
  ModemManagerCalls,
  type SetLoggingLevel,
} from './calls.js';
export {
  ModemManagerClient,
  type ModemManagerClientEvents,
  type ModemManagerClientOptions,
} from './client.js';
export {
  classify,
  classifyName,
  type ErrorClass,
  LOCAL_ABORTED,
  LOCAL_DISCONNECTED,
  LOCAL_TIMEOUT,
  MM_ERROR_PREFIX,
  MMError,
  ModemManagerError,
  toModemManagerError,
} from './errors.js';
export {
  emptySnapshot,
  fromManagedObjects,
  interfacesAdded,
  interfacesRemoved,
  type ModemView,
  modemPaths,
  modems,
  modemView,
  type ObjectInterfaces,
  pathIndex,
  propertiesChanged,
  propsOf,
  type Snapshot,
  vanished,
} from './snapshot.js';
export * from './types.js';
export { FEATURE_SINCE, type Feature, parseVersion, supports, versionAtLeast } from './version.js';
