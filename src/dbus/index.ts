/** The D-Bus adapter: the only place that imports dbus-next. */
export {
  type BackoffOptions,
  type CallRequest,
  DBusConnection,
  type DBusConnectionEvents,
  type DBusConnectionOptions,
  DEFAULT_SYSTEM_BUS,
  type SignalMessage,
  systemBusAddress,
} from './connection.js';
export { type Clock, realClock, withDeadline } from './deadline.js';
export { DBusAbortedError, DBusCallError, DBusDisconnectedError, DBusTimeoutError } from './errors.js';
export {
  bigintToPlain,
  type DBusPlain,
  isDict,
  type OutValue,
  type Typed,
  toWire,
  typed,
  unwrap,
} from './values.js';
