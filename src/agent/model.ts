/**
 * The pure heart of the agent: from the config, ModemManager's object tree and the kernel's items,
 * which modem is which (matching), the desired items, and the observed items. The running agent and
 * `mmagent plan` (live or from a snapshot) both use it, so a plan shows exactly what the agent would do.
 */
import type { Item } from '../../reconciler/api.js';
import { item, keyOf } from '../../reconciler/item.js';
import type { ModemSecrets } from '../modemitems/credentials.js';
import { desiredItems, type ModemInput, type PlacedItem } from '../modemitems/desired.js';
import { type ActionMemory, observedItems } from '../modemitems/observe.js';
import type { PinMemory } from '../modemitems/sim-pin.js';
import type { RepairSpec } from '../modemitems/types.js';
import { modems, type Snapshot } from '../modemmanager/snapshot.js';
import type { WwanConfig } from '../schemas/types.generated.js';
import { type ModemFacts, matchNetworks, modemFacts, type PhysAddrSource } from './facts.js';

/** EVE's location refresh with the default settings: min(20 s, 3600 s) / 2. */
export const DEFAULT_LOCATION_REFRESH_SECONDS = 10;

export interface ModelInput {
  readonly config: WwanConfig;
  readonly snapshot: Snapshot;
  readonly physAddrs: PhysAddrSource;
  /** The assignment in force (label → modem key), kept where it still matches. */
  readonly previous?: ReadonlyMap<string, string>;
  readonly secrets: (name: string) => ModemSecrets;
  /** What was done with PINs (the running agent's); plans go without. */
  readonly pinMemory?: PinMemory;
  /** Whether network items are built (the agent has netlink). */
  readonly network: boolean;
  readonly signalRateSeconds?: number;
  /** GPS refresh rate of the location-tracking modem (default 10 s, EVE's with default settings). */
  readonly locationRefreshSeconds?: number;
  /** The visible-provider scan round; undefined: scanning is off. */
  readonly scanRound?: number;
  /** The connectivity repair step wanted per modem. */
  readonly repairOf?: (name: string) => RepairSpec | undefined;
}

export interface Model {
  readonly facts: readonly ModemFacts[];
  readonly assigned: ReadonlyMap<string, string>;
  /** Item name (label or `unmanaged:<key>`) per present modem key. */
  readonly names: ReadonlyMap<string, string>;
  readonly inputs: readonly ModemInput[];
  readonly desired: readonly PlacedItem[];
  /** Modems whose desired items could not be built (name → why); their items are not in `desired`. */
  readonly errors: ReadonlyMap<string, string>;
  /** Modems that cannot be acted on for a reason outside the agent (name → why), e.g. a locked SIM. */
  readonly notices: ReadonlyMap<string, string>;
}

export function buildModel(input: ModelInput): Model {
  const facts = modems(input.snapshot).map((v) => modemFacts(v, input.physAddrs));
  const networks = (input.config.Networks ?? []).filter((n) => (n.LogicalLabel ?? '') !== '');
  const { assigned } = matchNetworks(networks, facts, input.previous ?? new Map());
  const names = new Map<string, string>();
  const inputs: ModemInput[] = [];
  for (const n of networks) {
    const key = assigned.get(n.LogicalLabel!);
    const fact = key === undefined ? undefined : facts.find((f) => f.key === key);
    if (fact) names.set(fact.key, n.LogicalLabel!);
    inputs.push({ name: n.LogicalLabel!, config: n, ...(fact ? { view: fact.view } : {}) });
  }
  for (const f of facts) {
    if (names.has(f.key)) continue;
    const name = `unmanaged:${f.key}`;
    names.set(f.key, name);
    inputs.push({ name, view: f.view });
  }
  const locationModem = networks.find(
    (n) => n.LocationTracking && assigned.has(n.LogicalLabel!),
  )?.LogicalLabel;
  const {
    items: desired,
    errors,
    notices,
  } = desiredItems({
    radioSilence: input.config.RadioSilence === true,
    modems: inputs,
    ...(locationModem ? { locationModem } : {}),
    signalRateSeconds: input.signalRateSeconds ?? 10,
    locationRefreshSeconds: input.locationRefreshSeconds ?? DEFAULT_LOCATION_REFRESH_SECONDS,
    network: input.network,
    secrets: input.secrets,
    ...(input.pinMemory ? { pinMemory: input.pinMemory } : {}),
    ...(input.scanRound !== undefined ? { scanRound: input.scanRound } : {}),
    ...(input.repairOf ? { repairOf: input.repairOf } : {}),
  });
  return { facts, assigned, names, inputs, desired, errors, notices };
}

/**
 * The observed ModemManager items of a model's present modems, each carrying the dependencies of the
 * desired item of the same identity (dependencies are structure, not something ModemManager or the
 * kernel can report), so only specs compare.
 */
export function observedModemItems(
  model: Model,
  desiredOf: (key: string) => Item | undefined,
  memory?: ActionMemory,
): PlacedItem[] {
  const present = model.inputs.flatMap((m) => (m.view ? [{ name: m.name, view: m.view }] : []));
  return observedItems(present, (type, name) => desiredOf(`${type}/${name}`), memory).map((p) => ({
    item: withDepsOf(p.item, desiredOf(keyOf(p.item))),
    path: p.path,
  }));
}

export function withDepsOf(observed: Item, want: Item | undefined): Item {
  if (!want || observed.external || want.deps === observed.deps) return observed;
  return item({ ...observed, deps: want.deps });
}
