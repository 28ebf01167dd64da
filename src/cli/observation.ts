/**
 * What `mmagent plan` and `mmagent snapshot` read: ModemManager's object tree, the sysfs addresses of
 * its modems, and the kernel's items of their interfaces. Read-only by construction: connecting the
 * ModemManager client issues only GetNameOwner, Get(Version), GetManagedObjects and GetAll, and the
 * network observer only dumps and listens; no configurator exists here to call anything else.
 */
import type { Item } from '../../reconciler/api.js';
import { createLogger } from '../io/log.js';
import { ModemManagerClient } from '../modemmanager/client.js';
import { modems, type Snapshot } from '../modemmanager/snapshot.js';
import { ModemPortType } from '../modemmanager/types.js';
import { createNetObserver } from '../netitems/observer.js';
import { createNetlinkAdapter } from '../netlink/adapter.js';
import { type SysfsAddrs, sysfsPhysAddrSource } from '../wwan/physaddrs.js';

export interface KernelObservation {
  /** The interfaces read (see {@link kernelInterfaces}). */
  readonly interfaces: readonly string[];
  readonly items: readonly Item[];
  /** Why the kernel could not be read; the network side is then left out of plans. */
  readonly unavailable?: string;
}

export interface Observation {
  readonly takenAt: string;
  readonly snapshot: Snapshot;
  /** sysfs USB/PCI addresses by ModemManager `Device` path: recorded so a snapshot plans anywhere. */
  readonly physAddrs: Readonly<Record<string, SysfsAddrs>>;
  readonly kernel: KernelObservation;
}

/** A failure to read the state, as one line for the operator. */
export class ObservationError extends Error {
  override readonly name = 'ObservationError';
}

/** Every modem's `Device` (else `Physdev`) path: what sysfs is asked about. */
function devicePaths(snapshot: Snapshot): string[] {
  const out = new Set<string>();
  for (const v of modems(snapshot)) {
    const d = v.modem.Device || (typeof v.modem.Physdev === 'string' ? v.modem.Physdev : '');
    if (d) out.add(d);
  }
  return [...out].sort();
}

/**
 * The interfaces whose kernel state matters: each modem's net port and the interface of each of its
 * bearers (not a tty a PPP bearer names). The agent's desired links always come from a bearer's
 * interface, so a plan from a snapshot sees the same interfaces as a live one.
 */
export function kernelInterfaces(snapshot: Snapshot): string[] {
  const out = new Set<string>();
  for (const v of modems(snapshot)) {
    const ports = (Array.isArray(v.modem.Ports) ? v.modem.Ports : []).filter(
      (p): p is [string, number] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'number',
    );
    for (const [name, type] of ports) if (type === ModemPortType.Net) out.add(name);
    const control = new Set(ports.filter(([, t]) => t !== ModemPortType.Net).map(([n]) => n));
    for (const b of v.bearers) {
      const itf = b.props.Interface;
      if (typeof itf === 'string' && itf !== '' && !control.has(itf)) out.add(itf);
    }
  }
  return [...out].sort();
}

/** Reads ModemManager once and closes the client. */
async function readModemManager(address: string | undefined): Promise<Snapshot> {
  const logger = createLogger({ level: 'silent' });
  let client: ModemManagerClient;
  try {
    client = await ModemManagerClient.connect({
      ...(address ? { address } : {}),
      logger,
      resyncTimeoutMs: 10_000,
    });
  } catch (err) {
    const where = address ?? process.env.DBUS_SYSTEM_BUS_ADDRESS ?? 'the system bus';
    throw new ObservationError(
      `cannot read ModemManager on ${where}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const snapshot = client.snapshot;
  await client.close();
  if (snapshot.owner === undefined)
    throw new ObservationError('ModemManager is not running (nobody owns org.freedesktop.ModemManager1)');
  return snapshot;
}

/** One dump of the kernel's items of these interfaces; never throws (unavailable says why). */
export async function readKernel(ifnames: readonly string[], resolvDir: string): Promise<KernelObservation> {
  if (ifnames.length === 0) return { interfaces: [], items: [] };
  let netlink: ReturnType<typeof createNetlinkAdapter> | undefined;
  let observer: ReturnType<typeof createNetObserver> | undefined;
  try {
    netlink = createNetlinkAdapter();
    observer = createNetObserver({ netlink, ifnames, resolvDir, periodicResyncMs: 0 });
    await observer.start();
    return { interfaces: [...ifnames], items: observer.items() };
  } catch (err) {
    return {
      interfaces: [...ifnames],
      items: [],
      unavailable: `cannot read the kernel's network state: ${err instanceof Error ? err.message : String(err)}`,
    };
  } finally {
    observer?.close();
    netlink?.close();
  }
}

export interface LiveOptions {
  readonly resolvDir: string;
  /** D-Bus address (default DBUS_SYSTEM_BUS_ADDRESS or the system bus). */
  readonly busAddress?: string;
  /** sysfs root (tests). */
  readonly sysfsRoot?: string;
}

/** Reads the live state. Throws {@link ObservationError} when ModemManager cannot be read. */
export async function observeLive(opts: LiveOptions): Promise<Observation> {
  const snapshot = await readModemManager(opts.busAddress);
  const takenAt = new Date().toISOString();
  const sysfs = sysfsPhysAddrSource(opts.sysfsRoot !== undefined ? { root: opts.sysfsRoot } : {});
  const physAddrs: Record<string, SysfsAddrs> = {};
  for (const d of devicePaths(snapshot)) physAddrs[d] = sysfs.sysfsDeviceAddrs(d);
  const kernel = await readKernel(kernelInterfaces(snapshot), opts.resolvDir);
  return { takenAt, snapshot, physAddrs, kernel };
}
