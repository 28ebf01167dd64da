/**
 * Which configured network (WwanNetworkConfig, by LogicalLabel) drives which modem.
 *
 * The rule is EVE's (`configMatchesModem`, ../shared/reference/eve-mmagent.md §2.6):
 *   - a modem whose Interface, USB and PCI are all empty never matches (its address is unknown);
 *   - otherwise every NON-EMPTY config field among Interface, USB and PCI must equal the modem's
 *     (PCI compared case-insensitively: it is hex); an empty config PhysAddrs matches any modem.
 *
 * EVE then gave each config "the first matching modem" in Go map iteration order, i.e. at random
 * when several match. Here the assignment is a pure function of the sets of configs and modems,
 * never of their order in the input:
 *   1. Configs with an empty LogicalLabel are ignored, and so is any later config repeating a label.
 *   2. Configs are served most specific first (more non-empty fields among Interface/USB/PCI),
 *      ties in the order given: a wildcard config never takes the modem a specific one names.
 *   3. Modems are ranked by physical address, which survives ModemManager restarts and replugs
 *      (object paths do not): PCI, then USB, then Interface (names can swap between boots), then
 *      the key; numbers inside USB paths and names compare numerically; empty sorts last.
 *   4. `previous` (the assignment in force) is kept wherever it still matches, so a hotplugged
 *      modem never steals a working modem's config (only rule 6 may move it, when that is the
 *      only way to serve another config).
 *   5. Each remaining config takes the best-ranked free matching modem.
 *   6. A config still without a modem may move an earlier one to another matching free modem
 *      (an augmenting path, tried in the same orders) when that is the only way to serve both:
 *      the number of served configs is maximal, and a config once served stays served.
 * Every modem drives at most one config. `missing` keeps the given config order, `unmanaged` the
 * rank order.
 */
import type { PhysAddrs, WwanNetworkConfig } from '../schemas/types.generated.js';

export interface ModemCandidate {
  /** Stable identity of the modem for the caller (e.g. its ModemManager object path). */
  readonly key: string;
  readonly physAddrs: PhysAddrs;
}

export interface MatchResult {
  /** LogicalLabel → modem key. */
  readonly assigned: Map<string, string>;
  /** Labels configured but without a modem ("modem not found"). */
  readonly missing: string[];
  /** Modem keys no config drives (kept radio-off). */
  readonly unmanaged: string[];
}

export interface MatchOptions {
  /** The assignment currently in force (label → modem key); kept where it still matches. */
  readonly previous?: ReadonlyMap<string, string>;
}

const FIELDS = ['Interface', 'USB', 'PCI'] as const;

function field(p: PhysAddrs | undefined, f: (typeof FIELDS)[number]): string {
  const v = p?.[f] ?? '';
  return f === 'PCI' ? v.toLowerCase() : v;
}

/** EVE's rule: every non-empty config field equals the modem's; an all-empty modem never matches. */
export function configMatchesModem(config: PhysAddrs | undefined, modem: PhysAddrs): boolean {
  if (FIELDS.every((f) => field(modem, f) === '')) return false;
  return FIELDS.every((f) => field(config, f) === '' || field(config, f) === field(modem, f));
}

/** How many of Interface/USB/PCI the config pins down (0: a wildcard). */
export function specificity(config: PhysAddrs | undefined): number {
  return FIELDS.filter((f) => field(config, f) !== '').length;
}

/** Natural order: digit runs compare as numbers (`wwan2` < `wwan10`, `1:2.3` < `1:2.10`). */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
      return x.length - y.length; // same value, fewer leading zeros first
    }
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** Empty after non-empty, then natural order. */
function compareAddr(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  return naturalCompare(a, b);
}

/** The modem rank of rule 3. */
export function compareModems(a: ModemCandidate, b: ModemCandidate): number {
  return (
    compareAddr(field(a.physAddrs, 'PCI'), field(b.physAddrs, 'PCI')) ||
    compareAddr(field(a.physAddrs, 'USB'), field(b.physAddrs, 'USB')) ||
    compareAddr(field(a.physAddrs, 'Interface'), field(b.physAddrs, 'Interface')) ||
    naturalCompare(a.key, b.key) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

export function matchConfigs(
  networks: readonly WwanNetworkConfig[] | null | undefined,
  modems: readonly ModemCandidate[],
  opts: MatchOptions = {},
): MatchResult {
  // rule 1
  const seen = new Set<string>();
  const configs: { label: string; addrs: PhysAddrs | undefined; index: number }[] = [];
  for (const n of networks ?? []) {
    const label = n.LogicalLabel ?? '';
    if (label === '' || seen.has(label)) continue;
    seen.add(label);
    configs.push({ label, addrs: n.PhysAddrs, index: configs.length });
  }
  // rule 2
  const order = [...configs].sort((a, b) => specificity(b.addrs) - specificity(a.addrs) || a.index - b.index);
  // rule 3
  const ranked = [...modems].sort(compareModems);
  const candidates = order.map((c) =>
    ranked.flatMap((m, mi) => (configMatchesModem(c.addrs, m.physAddrs) ? [mi] : [])),
  );
  const owner = new Map<number, number>(); // modem rank → position in `order`
  const served = new Map<number, number>(); // position in `order` → modem rank
  const take = (ci: number, mi: number): void => {
    owner.set(mi, ci);
    served.set(ci, mi);
  };

  // rule 4
  order.forEach((c, ci) => {
    const prevKey = opts.previous?.get(c.label);
    if (prevKey === undefined) return;
    const mi = candidates[ci]!.find((m) => ranked[m]!.key === prevKey);
    if (mi !== undefined && !owner.has(mi)) take(ci, mi);
  });
  // rule 5
  order.forEach((_, ci) => {
    if (served.has(ci)) return;
    const mi = candidates[ci]!.find((m) => !owner.has(m));
    if (mi !== undefined) take(ci, mi);
  });
  // rule 6 (Kuhn's augmenting paths)
  const augment = (ci: number, visited: Set<number>): boolean => {
    for (const mi of candidates[ci]!) {
      if (visited.has(mi)) continue;
      visited.add(mi);
      const holder = owner.get(mi);
      if (holder === undefined || augment(holder, visited)) {
        take(ci, mi);
        return true;
      }
    }
    return false;
  };
  order.forEach((_, ci) => {
    if (!served.has(ci)) augment(ci, new Set());
  });

  const assigned = new Map<string, string>();
  for (const c of configs) {
    const mi = served.get(order.indexOf(c));
    if (mi !== undefined) assigned.set(c.label, ranked[mi]!.key);
  }
  return {
    assigned,
    missing: configs.filter((c) => !assigned.has(c.label)).map((c) => c.label),
    unmanaged: ranked.filter((_, mi) => !owner.has(mi)).map((m) => m.key),
  };
}
