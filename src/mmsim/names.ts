/** ModemManager's well-known bus name, object paths and interface names (MM 1.20 introspection XML). */
export const MM_BUS_NAME = 'org.freedesktop.ModemManager1';
export const MM_PATH = '/org/freedesktop/ModemManager1';
export const MODEM_PATH_PREFIX = `${MM_PATH}/Modem/`;
export const SIM_PATH_PREFIX = `${MM_PATH}/SIM/`;
export const BEARER_PATH_PREFIX = `${MM_PATH}/Bearer/`;
/** MM uses "/" for "no object" in `o` properties (empty SIM slot, no initial EPS bearer). */
export const NO_OBJECT = '/';

export const IFACE = {
  manager: 'org.freedesktop.ModemManager1',
  modem: 'org.freedesktop.ModemManager1.Modem',
  simple: 'org.freedesktop.ModemManager1.Modem.Simple',
  modem3gpp: 'org.freedesktop.ModemManager1.Modem.Modem3gpp',
  profileManager: 'org.freedesktop.ModemManager1.Modem.Modem3gpp.ProfileManager',
  signal: 'org.freedesktop.ModemManager1.Modem.Signal',
  location: 'org.freedesktop.ModemManager1.Modem.Location',
  sim: 'org.freedesktop.ModemManager1.Sim',
  bearer: 'org.freedesktop.ModemManager1.Bearer',
  objectManager: 'org.freedesktop.DBus.ObjectManager',
  properties: 'org.freedesktop.DBus.Properties',
  introspectable: 'org.freedesktop.DBus.Introspectable',
  peer: 'org.freedesktop.DBus.Peer',
} as const;
