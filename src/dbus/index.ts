/** The D-Bus adapter: the only place that imports dbus-next. */

// The project's one timeout + abort race, re-exported for the ModemManager client that imports it
// from here; it is not a D-Bus variant of it.
export {
  type BackoffOptions,
  type CallRequest,
  DBusConnection,
  type DBusConnectionEvents,
  type DBusConnectionOptions,
  DEFAULT_DBUS_BACKOFF,
  DEFAULT_SYSTEM_BUS,
  type SignalMessage,
  systemBusAddress,
} from './connection.js';
export { type CallDeadline, type Clock, realClock, withCallDeadline } from './deadline.js';
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
