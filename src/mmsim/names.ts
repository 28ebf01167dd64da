/** ModemManager's well-known bus name, object paths and interface names (MM 1.20 introspection XML). */
import { IFACE as MM_IFACE, MM_PATH, MM_SERVICE } from '../modemmanager/types.js';

export { MM_PATH };
export const MM_BUS_NAME = MM_SERVICE;
export const MODEM_PATH_PREFIX = `${MM_PATH}/Modem/`;
export const SIM_PATH_PREFIX = `${MM_PATH}/SIM/`;
export const BEARER_PATH_PREFIX = `${MM_PATH}/Bearer/`;
/** MM uses "/" for "no object" in `o` properties (empty SIM slot, no initial EPS bearer). */
export const NO_OBJECT = '/';

/** ModemManager's interfaces (one list for the client and the simulator) plus the D-Bus ones we serve. */
export const IFACE = {
  ...MM_IFACE,
  introspectable: 'org.freedesktop.DBus.Introspectable',
  peer: 'org.freedesktop.DBus.Peer',
} as const;
