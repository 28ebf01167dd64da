/**
 * A modem's physical addresses (EVE `WwanPhysAddrs`) and its control protocol.
 *
 * EVE's mmagent derived everything from sysfs, starting at `/sys/class/usbmisc/<PrimaryPort>` (or
 * `/sys/class/wwan/<PrimaryPort>`) and reading the net interface from `<dev>/net/`. On the
 * real-ModemManager kit that dropped the modem entirely: an AT primary port (`ttyHS0`) has no
 * usbmisc entry (../shared/reference/eve-mmagent-live.md). Here ModemManager is the source of truth:
 *   - Interface: the first `Ports` entry of type NET (MM's order), else the `Interface` of a
 *     connected bearer when it is not one of the modem's control/tty ports (a PPP bearer names its
 *     tty there, which is no net interface);
 *   - Dev: `/dev/<PrimaryPort>` ('' without a primary port; EVE's filepath.Join gave "/dev");
 *   - USB and PCI: sysfs, walking up from MM's `Device` (`Physdev` as a fallback), only when sysfs
 *     has it; a missing or foreign sysfs (a container, the kit's private /sys) leaves them ''.
 * Everything sysfs is behind PhysAddrSource so tests (and the agent's own tests) can feed it.
 * A path that does not exist (ENOENT) is the normal "no such attribute"; any other read error
 * (EACCES, EIO, a loop) also leaves the address '' but is logged, once per path, so an empty USB
 * or PCI in the status can be told apart from a modem that has none.
 */
import { readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../reconciler/controller.js';
import type { ModemView } from '../modemmanager/snapshot.js';
import { ModemPortType } from '../modemmanager/types.js';
import type { PhysAddrs, WwanCellModule } from '../schemas/types.generated.js';

export interface SysfsAddrs {
  readonly USB: string;
  readonly PCI: string;
}

export interface PhysAddrSource {
  /** USB/PCI addresses of the device at this sysfs path (MM's `Device`); '' when unknown. */
  sysfsDeviceAddrs(devicePath: string): SysfsAddrs;
}

const NO_ADDRS: SysfsAddrs = { USB: '', PCI: '' };

/** `1-1.3:1.0` (an interface) or `1-1.3` (a device) → `1:1.3`; root hubs (`usb1`) and others → ''. */
export function usbAddrFromSysfsName(name: string): string {
  const m = /^(\d+)-(\d+(?:\.\d+)*)(?::.*)?$/.exec(name);
  return m ? `${m[1]}:${m[2]}` : '';
}

/** A PCI device name in long form (`0000:00:14.0`), lower-cased; anything else (`pci0000:00`) → ''. */
export function pciAddrFromSysfsName(name: string): string {
  return /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(name) ? name.toLowerCase() : '';
}

export interface SysfsOptions {
  /** Prefix for every sysfs path (tests point it at a temporary tree); default '' (the real /sys). */
  readonly root?: string;
  /** Where read errors other than ENOENT go (once per path); default: nowhere. */
  readonly logger?: Pick<Logger, 'warn'>;
}

/** Paths remembered as already logged; past this many, new failing paths are no longer logged. */
export const SYSFS_ERROR_PATHS_MAX = 1024;

/**
 * Reads sysfs like EVE's getSysDevAddr: from the device directory upwards, the first ancestor whose
 * `subsystem` link ends in `usb` (whose name is a port path; root hubs are skipped) gives USB, the
 * first whose link ends in `pci` gives PCI (for a USB modem: its host controller). Never throws.
 */
export function sysfsPhysAddrSource(opts: SysfsOptions = {}): PhysAddrSource {
  const root = opts.root ?? '';
  const logged = new Set<string>();
  /** Logs an unexpected read error once per path; ENOENT is the normal "not there" and is silent. */
  const failed = (err: unknown, path: string, reading: string, devicePath: string): void => {
    if ((err as { code?: unknown } | null)?.code === 'ENOENT') return;
    if (logged.has(path) || logged.size >= SYSFS_ERROR_PATHS_MAX) return;
    logged.add(path);
    opts.logger?.warn({ err, path, reading, devicePath }, 'cannot read sysfs; USB/PCI address left empty');
  };
  return {
    sysfsDeviceAddrs(devicePath: string): SysfsAddrs {
      if (!devicePath.startsWith('/sys/')) return NO_ADDRS;
      let dir: string;
      const device = join(root, devicePath);
      try {
        // MM gives a /sys/devices path; resolve in case it is a class symlink
        dir = realpathSync(device);
      } catch (err) {
        failed(err, device, 'device', devicePath);
        return NO_ADDRS;
      }
      const stop = realpathOr(join(root, '/sys'));
      let usb = '';
      let pci = '';
      while (dir.startsWith(`${stop}/`) && (usb === '' || pci === '')) {
        const subsystem = subsystemOf(dir, (err, path) => failed(err, path, 'subsystem', devicePath));
        const name = basename(dir);
        if (usb === '' && subsystem === 'usb') usb = usbAddrFromSysfsName(name);
        if (pci === '' && subsystem === 'pci') pci = pciAddrFromSysfsName(name);
        dir = dirname(dir);
      }
      return { USB: usb, PCI: pci };
    },
  };
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    // the root itself: the device path under it did resolve, so the prefix check still holds
    return p;
  }
}

function subsystemOf(dir: string, onError: (err: unknown, path: string) => void): string {
  const link = join(dir, 'subsystem');
  try {
    return basename(readlinkSync(link));
  } catch (err) {
    onError(err, link); // ENOENT is normal: not every directory on the way up has one
    return '';
  }
}

/** For tests: addresses by device path; unknown paths have none. */
export function fakePhysAddrSource(table: {
  readonly [devicePath: string]: Partial<SysfsAddrs>;
}): PhysAddrSource {
  return {
    sysfsDeviceAddrs(devicePath: string): SysfsAddrs {
      const e = table[devicePath];
      return { USB: e?.USB ?? '', PCI: e?.PCI ?? '' };
    },
  };
}

/** `Ports` (a(su)) as well-formed [name, type] pairs. */
function ports(view: ModemView): [string, number][] {
  const out: [string, number][] = [];
  for (const p of view.modem.Ports ?? []) {
    if (Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'number') out.push([p[0], p[1]]);
  }
  return out;
}

/** The modem's net interface as ModemManager knows it ('' when it does not). */
export function modemInterface(view: ModemView): string {
  const all = ports(view);
  const net = all.find(([, type]) => type === ModemPortType.Net);
  if (net) return net[0];
  const nonNet = new Set(all.map(([name]) => name));
  for (const b of view.bearers) {
    const itf = b.props.Interface;
    if (b.props.Connected === true && typeof itf === 'string' && itf !== '' && !nonNet.has(itf)) return itf;
  }
  return '';
}

/** EVE: the type of the `Ports` entry named like `PrimaryPort`: QMI → qmi, MBIM → mbim, else ''. */
export function controlProtocol(view: ModemView): WwanCellModule['ControlProtocol'] {
  const primary = view.modem.PrimaryPort;
  const entry = ports(view).find(([name]) => name === primary);
  if (entry?.[1] === ModemPortType.Qmi) return 'qmi';
  if (entry?.[1] === ModemPortType.Mbim) return 'mbim';
  return '';
}

/** Interface and Dev from ModemManager, USB and PCI from sysfs. All four keys always present (as Go). */
export function modemPhysAddrs(view: ModemView, source: PhysAddrSource): Required<PhysAddrs> {
  const primary = view.modem.PrimaryPort;
  const device = view.modem.Device || (typeof view.modem.Physdev === 'string' ? view.modem.Physdev : '');
  const sys = device ? source.sysfsDeviceAddrs(device) : NO_ADDRS;
  return {
    Interface: modemInterface(view),
    USB: sys.USB,
    PCI: sys.PCI,
    Dev: typeof primary === 'string' && primary !== '' ? `/dev/${primary}` : '',
  };
}

/** A PhysAddrs with every key present ('' for missing), as Go encodes the struct. */
export function fullPhysAddrs(p: PhysAddrs | undefined): Required<PhysAddrs> {
  return { Interface: p?.Interface ?? '', USB: p?.USB ?? '', PCI: p?.PCI ?? '', Dev: p?.Dev ?? '' };
}
