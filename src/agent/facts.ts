/**
 * What the agent knows about each present modem: a stable key, its view, and its physical
 * addresses, and which config claims it (the matching rules live in src/wwan/matching.ts).
 */
import type { ModemView } from '../modemmanager/snapshot.js';
import type { PhysAddrs, WwanNetworkConfig } from '../schemas/types.generated.js';
import { matchConfigs } from '../wwan/matching.js';
import { modemPhysAddrs, type PhysAddrSource, type SysfsAddrs } from '../wwan/physaddrs.js';

export type { PhysAddrSource };

export interface ModemFacts {
  /** Stable across ModemManager restarts and re-plugs: the IMEI, else the device id, else the path. */
  readonly key: string;
  readonly view: ModemView;
  readonly physAddrs: Required<PhysAddrs>;
}

export function modemFacts(view: ModemView, source: PhysAddrSource): ModemFacts {
  const m = view.modem;
  const key = m.EquipmentIdentifier || m.DeviceIdentifier || view.path;
  return { key, view, physAddrs: modemPhysAddrs(view, source) };
}

/** Which present modem each configured label gets. */
export function matchNetworks(
  networks: readonly WwanNetworkConfig[],
  facts: readonly ModemFacts[],
  previous: ReadonlyMap<string, string>,
): { assigned: ReadonlyMap<string, string> } {
  // The assignment in force is kept where it still matches: a modem plugged in later must not take
  // a working modem's wildcard config.
  const r = matchConfigs(
    networks,
    facts.map((f) => ({ key: f.key, physAddrs: f.physAddrs })),
    { previous },
  );
  return { assigned: r.assigned };
}

/**
 * A device's USB/PCI addresses, read from sysfs once while a modem with that device is present
 * instead of on every rebuild (a rebuild follows every ModemManager signal; the sysfs walk was a
 * tenth of its time). A device path names its place in the bus topology, so its addresses cannot
 * change while it is there; a modem that goes away and comes back is read afresh.
 */
export class PhysAddrMemo implements PhysAddrSource {
  private readonly known = new Map<string, SysfsAddrs>();
  private readonly asked = new Set<string>();

  constructor(private readonly source: PhysAddrSource) {}

  sysfsDeviceAddrs(devicePath: string): SysfsAddrs {
    this.asked.add(devicePath);
    let addrs = this.known.get(devicePath);
    if (addrs === undefined) {
      addrs = this.source.sysfsDeviceAddrs(devicePath);
      this.known.set(devicePath, addrs);
    }
    return addrs;
  }

  /** Forgets the devices not asked for since the last sweep: their modems are gone. */
  sweep(): void {
    for (const path of this.known.keys()) if (!this.asked.has(path)) this.known.delete(path);
    this.asked.clear();
  }
}
