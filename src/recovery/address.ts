/**
 * Which device a rebind writes to, from what the agent knows about a modem. Everything here is pure:
 * an address becomes a sysfs file name and a path, so it must match a strict pattern (no '/', no
 * '..', nothing the kernel would not print itself), and every path stays below the sysfs root.
 */
import { isAbsolute, join, posix, resolve, sep } from 'node:path';

export type Bus = 'usb' | 'pci';

/** A device we may rebind: its bus, its kernel name, and the sysfs directory to read it from. */
export interface RebindTarget {
  readonly bus: Bus;
  /** The kernel's device name, the text written to unbind and bind (`1-1.3`, `0000:01:00.0`). */
  readonly address: string;
  /** The device's directory (`<sysfs>/bus/<bus>/devices/<address>`, or the given sysfsPath re-rooted). */
  readonly deviceDir: string;
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

// A kernel USB device name: bus, '-', then the port path ('1-1.3'). Numbers without leading zeros as
// the kernel prints them; at most 7 tiers below the root (USB allows 5 hubs; a little slack). A root
// hub ('usb1') never matches: rebinding it would reset every device on the bus.
const NUM = '[1-9][0-9]{0,2}';
const PORTS = `${NUM}(?:\\.${NUM}){0,6}`;
const USB_KERNEL = new RegExp(`^(${NUM})-(${PORTS})$`);
/** An interface of a USB device ('1-1.3:1.0'): its device is the part before ':'. */
const USB_INTERFACE = new RegExp(`^(${NUM})-(${PORTS}):[0-9]{1,3}\\.[0-9]{1,3}$`);
/** EVE's USB address (PhysAddrs.USB, eve-mmagent.md §2.6): the kernel name with '-' made ':' ('1:1.3'). */
const USB_EVE = new RegExp(`^(${NUM}):(${PORTS})$`);
/** A PCI address as sysfs names it: domain (4 hex digits, more on VMD domains), bus, device, function. */
const PCI = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/;

/** EVE's or the kernel's USB address (device or interface) → the kernel's device name. */
export function usbDeviceName(addr: string): Parsed<string> {
  const m = USB_EVE.exec(addr) ?? USB_KERNEL.exec(addr) ?? USB_INTERFACE.exec(addr);
  if (m) return { ok: true, value: `${m[1]}-${m[2]}` };
  return {
    ok: false,
    error: `not a USB device address: ${JSON.stringify(addr)} (want e.g. '1:1.3' or '1-1.3')`,
  };
}

/** A PCI address in sysfs form (lower case: the kernel compares names exactly). */
export function pciDeviceName(addr: string): Parsed<string> {
  const lower = addr.toLowerCase();
  if (PCI.test(lower)) return { ok: true, value: lower };
  return { ok: false, error: `not a PCI address: ${JSON.stringify(addr)} (want e.g. '0000:01:00.0')` };
}

/** Whether `path` lies strictly below `root` (lexically, after resolving '.' and '..'). */
export function within(root: string, path: string): boolean {
  const r = resolve(root);
  const p = resolve(path);
  return p.startsWith(r.endsWith(sep) ? r : r + sep);
}

/**
 * ModemManager's physical device path (`/sys/devices/…/1-1`) as a directory below `sysfsRoot`: a path
 * already below the root is taken as is, one below `/sys/` is moved under the root (tests, containers
 * with sysfs mounted elsewhere). Refused: relative paths, '.' or '..' components, NUL, anything not
 * below `<sysfs>/devices/`.
 */
export function sysfsDeviceDir(sysfsPath: string, sysfsRoot: string): Parsed<string> {
  const bad = (why: string): Parsed<string> => ({
    ok: false,
    error: `sysfsPath ${JSON.stringify(sysfsPath)} ${why}`,
  });
  if (!isAbsolute(sysfsPath) || sysfsPath.includes('\0')) return bad('is not an absolute path');
  const parts = sysfsPath.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return bad("has a '.' or '..' component");
  const root = resolve(sysfsRoot);
  const clean = posix.normalize(sysfsPath).replace(/\/+$/, '');
  let dir: string;
  if (within(join(root, 'devices'), clean)) dir = clean;
  else if (clean.startsWith('/sys/devices/')) dir = join(root, clean.slice('/sys'.length));
  else return bad(`is not below /sys/devices or ${join(root, 'devices')}`);
  if (!within(join(root, 'devices'), dir)) return bad('leaves the sysfs tree');
  return { ok: true, value: dir };
}

/** What the caller knows about the device; see resolveTarget for the precedence. */
export interface DeviceAddress {
  /** EVE's USB address ('1:1.3') or the kernel's ('1-1.3', '1-1.3:1.0'). */
  readonly usb?: string | undefined;
  /** PCI address ('0000:01:00.0'). For a USB modem this is its host controller's: never used then. */
  readonly pci?: string | undefined;
  /** ModemManager's `Device` property: the sysfs path of the physical device. */
  readonly sysfsPath?: string | undefined;
}

/**
 * The one device to rebind. USB wins over PCI, as in EVE (eve-mmagent.md §4.15): a USB modem's PCI
 * address is its host controller, and rebinding that resets every USB device behind it. Without
 * either, the sysfsPath's last component says the bus. With a sysfsPath and an address, both must
 * name the same device: a mismatch means stale data, and nothing is written.
 */
export function resolveTarget(dev: DeviceAddress, sysfsRoot: string): Parsed<RebindTarget> {
  const fail = (error: string): Parsed<RebindTarget> => ({ ok: false, error });
  let fromPath: { dir: string; base: string } | undefined;
  if (dev.sysfsPath !== undefined && dev.sysfsPath !== '') {
    const d = sysfsDeviceDir(dev.sysfsPath, sysfsRoot);
    if (!d.ok) return fail(d.error);
    fromPath = { dir: d.value, base: posix.basename(d.value) };
  }
  let bus: Bus;
  let address: string;
  if (dev.usb !== undefined && dev.usb !== '') {
    const a = usbDeviceName(dev.usb);
    if (!a.ok) return fail(a.error);
    bus = 'usb';
    address = a.value;
  } else if (dev.pci !== undefined && dev.pci !== '') {
    const a = pciDeviceName(dev.pci);
    if (!a.ok) return fail(a.error);
    bus = 'pci';
    address = a.value;
  } else if (fromPath) {
    const u = USB_KERNEL.test(fromPath.base);
    const p = PCI.test(fromPath.base);
    if (!u && !p)
      return fail(
        `sysfsPath ${JSON.stringify(dev.sysfsPath)} does not end in a USB device or PCI address (${JSON.stringify(fromPath.base)})`,
      );
    bus = u ? 'usb' : 'pci';
    address = fromPath.base;
  } else {
    return fail('no device address: one of usb, pci or sysfsPath is needed');
  }
  if (fromPath && fromPath.base !== address)
    return fail(
      `sysfsPath ${JSON.stringify(dev.sysfsPath)} names ${fromPath.base}, not the ${bus} address ${address}`,
    );
  const deviceDir = fromPath?.dir ?? join(resolve(sysfsRoot), 'bus', bus, 'devices', address);
  if (!within(sysfsRoot, deviceDir)) return fail(`${deviceDir} is not below ${sysfsRoot}`);
  return { ok: true, value: { bus, address, deviceDir } };
}

/** A driver name from a `driver` symlink, fit to be a directory name below bus/<bus>/drivers. */
export function validDriverName(name: string): boolean {
  return /^[A-Za-z0-9_.+-]{1,64}$/.test(name) && name !== '.' && name !== '..';
}
