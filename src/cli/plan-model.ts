/**
 * The plan for moving an observed state to a config: the same model (matching, desired items,
 * observed items) and the same planner the running agent uses, so the plan is what the agent would
 * do. Pure: an {@link Observation} (live or from a snapshot) and a config in, a plan out.
 */
import type { Item, Plan } from '../../reconciler/api.js';
import { type Graph, graphOf } from '../../reconciler/graph.js';
import { item, keyOf } from '../../reconciler/item.js';
import { plan } from '../../reconciler/plan.js';
import { buildModel, type Model, observedModemItems, withDepsOf } from '../agent/model.js';
import { secretsFromConfig } from '../agent/secrets.js';
import { createModemConfigurators, modemPredicates, type PlacedItem } from '../modemitems/index.js';
import { ScanTracker } from '../modemitems/scan.js';
import { PinMemory } from '../modemitems/sim-pin.js';
import { createNetConfigurators } from '../netitems/configurators.js';
import { netPredicates } from '../netitems/predicates.js';
import { INTERFACE, LINK } from '../netitems/types.js';
import type { NetlinkAdapter } from '../netlink/adapter.js';
import type { WwanConfig } from '../schemas/types.generated.js';
import { fakePhysAddrSource } from '../wwan/physaddrs.js';
import type { Observation } from './observation.js';

export type GroupStatus = 'managed' | 'unmanaged' | 'not-found';

/** One modem of the plan: a configured label or an unmanaged modem. */
export interface ModemGroup {
  readonly name: string;
  readonly status: GroupStatus;
  readonly modem?: {
    readonly path: string;
    readonly key: string;
    readonly model: string;
    readonly interface: string;
  };
}

export interface PlanResult {
  readonly plan: Plan;
  readonly current: Graph;
  readonly desired: Graph;
  /** Configured labels in config order, then unmanaged modems. */
  readonly groups: readonly ModemGroup[];
  /** The group of every item key in the plan. */
  readonly groupOf: (key: string) => string;
  /** Whether the kernel's state was read (otherwise the network side is left out). */
  readonly network: boolean;
  readonly warnings: readonly string[];
}

/**
 * Configurators for planning only: plan() calls nothing but needsRecreate, and anything else would
 * be a bug, so every call fails loudly instead of touching ModemManager or the kernel.
 */
function planningConfigurators() {
  const refuse = (): never => {
    throw new Error('planning never changes anything');
  };
  const calls = new Proxy(
    {},
    { get: () => () => Promise.reject(new Error('planning never calls ModemManager')) },
  );
  const netlink = new Proxy({}, { get: () => refuse }) as NetlinkAdapter;
  return {
    ...createModemConfigurators({
      calls: calls as never,
      view: () => undefined,
      secrets: () => ({}),
      pins: new PinMemory(),
      scans: new ScanTracker(),
    }),
    ...createNetConfigurators({ netlink, resolvDir: '/nonexistent' }),
  };
}

/**
 * The kernel items the plan compares with. An interface with no desired link is kept only while it
 * carries something the agent would undo (the link up, an address, a route, DNS): a down, bare
 * interface of an unmanaged modem is nothing to plan for.
 */
function kernelCurrent(obs: Observation, desired: Graph, model: Model): PlacedItem[] {
  const modemOfIf = new Map<string, string>();
  for (const f of model.facts) {
    const name = model.names.get(f.key);
    if (!name) continue;
    if (f.physAddrs.Interface) modemOfIf.set(f.physAddrs.Interface, name);
    for (const b of f.view.bearers)
      if (
        typeof b.props.Interface === 'string' &&
        b.props.Interface !== '' &&
        !modemOfIf.has(b.props.Interface)
      )
        modemOfIf.set(b.props.Interface, name);
  }
  const ifOf = (it: Item) => (it.type === LINK ? it.name : ((it.spec as { ifname?: string }).ifname ?? ''));
  const byIf = new Map<string, Item[]>();
  for (const it of obs.kernel.items) byIf.set(ifOf(it), [...(byIf.get(ifOf(it)) ?? []), it]);
  const out: PlacedItem[] = [];
  for (const [ifname, items] of byIf) {
    const wanted = desired.nodes.has(keyOf({ type: LINK, name: ifname }));
    const bare = items.every((it) => it.type === LINK && (it.spec as { up?: boolean }).up === false);
    if (!wanted && bare) continue;
    const path = [modemOfIf.get(ifname) ?? `interface:${ifname}`, 'net'];
    for (const it of items) {
      const want = desired.nodes.get(keyOf(it));
      out.push({ item: withDepsOf(it, want?.item), path: want?.path ?? path });
      // An observed link means its interface exists (external: as the agent observes it).
      if (it.type === LINK)
        out.push({
          item: item({ type: INTERFACE, name: it.name, spec: { present: true }, external: true }),
          path,
        });
    }
  }
  return out;
}

export interface PlanSettings {
  /** From the global config (timer.location.*): the tracking modem's GPS refresh rate. */
  readonly locationRefreshSeconds?: number;
}

export function planFor(config: WwanConfig, obs: Observation, settings: PlanSettings = {}): PlanResult {
  const warnings: string[] = [];
  const { secrets, errors } = secretsFromConfig(config);
  for (const [label, e] of errors) warnings.push(`${label}: ${e}`);
  const network = obs.kernel.unavailable === undefined;
  if (!network)
    warnings.push(`${obs.kernel.unavailable}; links, addresses, routes and DNS are left out of this plan`);
  const model = buildModel({
    config,
    snapshot: obs.snapshot,
    physAddrs: fakePhysAddrSource(obs.physAddrs),
    secrets: (name) => secrets.get(name) ?? {},
    network,
    ...settings,
  });
  for (const [name, why] of model.notices) warnings.push(`${name}: ${why}`);
  const built = graphOf('desired', model.desired);
  const desiredOf = (k: string) => built.nodes.get(k)?.item;
  const observed = observedModemItems(model, desiredOf);
  const current = graphOf('current', [...observed, ...(network ? kernelCurrent(obs, built, model) : [])]);
  // A modem whose items cannot be built keeps what it has (the agent keeps its last good items).
  const kept: PlacedItem[] = [];
  for (const [name, why] of model.errors) {
    warnings.push(`${name}: cannot build its desired state (${why}); its items are left as they are`);
    for (const n of current.nodes.values())
      if (n.path[0] === name && !n.item.external) kept.push({ item: n.item, path: n.path });
  }
  const desired = kept.length > 0 ? graphOf('desired', [...model.desired, ...kept]) : built;
  const p = plan(current, desired, {
    predicates: { ...modemPredicates, ...netPredicates },
    configurators: planningConfigurators(),
  });

  const groups: ModemGroup[] = model.inputs.map((m) => {
    const fact = m.view ? model.facts.find((f) => f.view === m.view) : undefined;
    const status: GroupStatus = !m.config ? 'unmanaged' : m.view ? 'managed' : 'not-found';
    return {
      name: m.name,
      status,
      ...(m.view && fact
        ? {
            modem: {
              path: m.view.path,
              key: fact.key,
              model: m.view.modem.Model ?? '',
              interface: fact.physAddrs.Interface,
            },
          }
        : {}),
    };
  });
  const groupOf = (key: string) =>
    (desired.nodes.get(key)?.path ?? current.nodes.get(key)?.path ?? [''])[0] ?? '';
  for (const k of [...p.steps.map((s) => keyOf(s.ref)), ...p.pending.map((x) => keyOf(x.ref))]) {
    const g = groupOf(k);
    if (g !== '' && !groups.some((x) => x.name === g)) groups.push({ name: g, status: 'unmanaged' });
  }
  return { plan: p, current, desired, groups, groupOf, network, warnings };
}
