/**
 * Soft recovery 1: rebind the modem's device to its driver through sysfs, so that the kernel removes
 * and probes it again (new ports, new netdev, ModemManager sees a new modem). No modprobe: a bind
 * write runs the driver's probe by itself. See README.md for what EVE does instead.
 */
import { join, posix, resolve } from 'node:path';
import type { Clock } from '../../reconciler/api.js';
import { type Bus, type DeviceAddress, resolveTarget, validDriverName, within } from './address.js';
import {
  DEFAULT_ROOTS,
  type OpContext,
  opContext,
  pause,
  RecoveryError,
  type RecoveryFs,
  type RecoveryRoots,
  timed,
} from './fs.js';

/** EVE sleeps 3 s after unbinding: the driver's remove and the device's reset settle before the probe. */
export const DEFAULT_REBIND_PAUSE_MS = 3_000;

/**
 * The driver to bind an unbound device to. USB devices (not interfaces) belong to the generic `usb`
 * driver, which then probes the interface drivers (qmi_wwan, cdc_mbim); EVE hard-codes
 * mhi-pci-generic for PCI modems.
 */
export const FALLBACK_DRIVER: Readonly<Record<Bus, string>> = { usb: 'usb', pci: 'mhi-pci-generic' };

/**
 * PCI classes never rebound, whatever the caller says: a USB modem's PCI address is its host
 * controller's, and a walk up the tree can stop at a bridge. Rebinding either resets every device
 * behind it (the boot disk may be one).
 */
const REFUSED_PCI_CLASSES: ReadonlyArray<readonly [prefix: string, what: string]> = [
  ['0x0c03', 'USB host controller'],
  ['0x0604', 'PCI bridge'],
  ['0x0600', 'host bridge'],
];

export interface RebindOptions {
  readonly roots?: RecoveryRoots;
  readonly clock?: Clock;
  /** Between unbind and bind (default 3 s). */
  readonly pauseMs?: number;
  /**
   * Stops the work before the unbind. Once the device is unbound, an abort cuts the pause short and
   * binds at once: an unbound device stays dead until someone binds it.
   */
  readonly signal?: AbortSignal;
  /** Each file operation's deadline (default 10 s). */
  readonly timeoutMs?: number;
  readonly fs?: RecoveryFs;
}

/** One write done, at the clock's time when it started. */
export interface SysfsWrite {
  readonly file: string;
  readonly data: string;
  readonly at: number;
}

export type RebindFailure =
  /** A bad address or path: nothing was read or written. */
  | 'invalid'
  /** The device is not in sysfs (unplugged, or its hub is gone): a rebind cannot help. */
  | 'no-device'
  /** The address is a host controller or bridge. */
  | 'refused'
  /** The driver's directory or its bind/unbind files are missing (module not loaded). */
  | 'no-driver'
  | 'timeout'
  | 'aborted'
  | 'io';

interface RebindReport {
  readonly bus?: Bus;
  /** The kernel name written to unbind and bind. */
  readonly address?: string;
  readonly driver?: string;
  /** Whether the device had a driver when looked at (an unbound one is only bound, with no pause). */
  readonly wasBound?: boolean;
  readonly writes: readonly SysfsWrite[];
}

export type RebindResult =
  | (RebindReport & {
      readonly ok: true;
      readonly bus: Bus;
      readonly address: string;
      readonly driver: string;
      readonly wasBound: boolean;
    })
  | (RebindReport & {
      readonly ok: false;
      readonly reason: RebindFailure;
      readonly error: string;
      /**
       * The unbind went through and the bind did not: the modem stays gone until a bind succeeds.
       * Calling rebindModemDevice again finds the device unbound and only binds it.
       */
      readonly leftUnbound: boolean;
    });

/**
 * Unbinds the modem's device from its driver, waits `pauseMs` on the clock, binds it again. The driver
 * is read from the device's `driver` symlink before the unbind (the link disappears with it); a
 * device with no driver is bound to FALLBACK_DRIVER. Never throws; nothing is written unless the
 * device, its driver directory and both files are there.
 */
export async function rebindModemDevice(dev: DeviceAddress, opts: RebindOptions = {}): Promise<RebindResult> {
  const roots = opts.roots ?? DEFAULT_ROOTS;
  const ctx = opContext(opts);
  const pauseMs =
    opts.pauseMs !== undefined && Number.isFinite(opts.pauseMs) && opts.pauseMs >= 0
      ? opts.pauseMs
      : DEFAULT_REBIND_PAUSE_MS;
  const writes: SysfsWrite[] = [];
  const target = resolveTarget(dev, roots.sysfs);
  if (!target.ok) return { ok: false, reason: 'invalid', error: target.error, leftUnbound: false, writes };
  const { bus, address, deviceDir } = target.value;

  let driver: string | undefined;
  let wasBound: boolean | undefined;
  let unbound = false;
  const fail = (reason: RebindFailure, error: string): RebindResult => ({
    ok: false,
    reason,
    error,
    leftUnbound: unbound,
    bus,
    address,
    ...(driver !== undefined ? { driver } : {}),
    ...(wasBound !== undefined ? { wasBound } : {}),
    writes,
  });
  const write = async (c: OpContext, file: string, data: string) => {
    const at = c.clock.now();
    await timed(c, `write ${JSON.stringify(data)} to ${file}`, (fs) => fs.writeAttribute(file, data));
    writes.push({ file, data, at });
  };

  try {
    const kind = await timed(ctx, `stat ${deviceDir}`, (fs) => fs.kind(deviceDir));
    if (kind !== 'dir')
      return fail('no-device', `no ${bus} device ${address} in sysfs (${deviceDir}): nothing to rebind`);

    if (bus === 'pci') {
      const classFile = join(deviceDir, 'class');
      const cls = (await timed(ctx, `read ${classFile}`, (fs) => fs.readText(classFile, 64)))?.trim();
      const refused = cls && REFUSED_PCI_CLASSES.find(([prefix]) => cls.toLowerCase().startsWith(prefix));
      if (refused)
        return fail(
          'refused',
          `${address} is a ${refused[1]} (class ${cls}), not a modem: rebinding it would reset every device behind it`,
        );
    }

    const linkPath = join(deviceDir, 'driver');
    const link = await timed(ctx, `read ${linkPath}`, (fs) => fs.readlink(linkPath));
    wasBound = link !== undefined;
    if (link !== undefined) {
      const name = posix.basename(link);
      if (!validDriverName(name))
        return fail('invalid', `${linkPath} points to ${JSON.stringify(link)}: not a driver name`);
      driver = name;
    } else {
      driver = FALLBACK_DRIVER[bus];
    }

    const driverDir = join(resolve(roots.sysfs), 'bus', bus, 'drivers', driver);
    const unbindFile = join(driverDir, 'unbind');
    const bindFile = join(driverDir, 'bind');
    if (!within(roots.sysfs, bindFile) || !within(roots.sysfs, unbindFile))
      return fail('invalid', `${driverDir} is not below ${roots.sysfs}`);
    const dk = await timed(ctx, `stat ${driverDir}`, (fs) => fs.kind(driverDir));
    if (dk !== 'dir')
      return fail('no-driver', `no driver directory ${driverDir} (is the ${driver} driver loaded?)`);
    for (const f of wasBound ? [unbindFile, bindFile] : [bindFile]) {
      const fk = await timed(ctx, `stat ${f}`, (fs) => fs.kind(f));
      if (fk !== 'file') return fail('no-driver', `driver ${driver} has no ${posix.basename(f)} file (${f})`);
    }

    if (!wasBound) {
      await write(ctx, bindFile, address);
      return { ok: true, bus, address, driver, wasBound, writes };
    }
    await write(ctx, unbindFile, address);
    unbound = true;
    const waited = await pause(ctx.clock, pauseMs, ctx.signal);
    // From here the signal no longer stops anything: the device must be bound again.
    await write({ ...ctx, signal: undefined }, bindFile, address);
    unbound = false;
    if (!waited)
      return fail('aborted', `aborted during the pause after unbinding ${address}; bound again at once`);
    return { ok: true, bus, address, driver, wasBound, writes };
  } catch (err) {
    const e = err instanceof RecoveryError ? err : new RecoveryError('io', String(err));
    return fail(e.reason, unbound ? `${e.message}; ${bus} device ${address} is left unbound` : e.message);
  }
}
