/**
 * ConfigError for a modem, for people: why its config is not (yet) in force, from what the
 * reconciler knows about the items of the modem's cluster: "modem not found" while the modem is
 * gone, else a failed item's error first (the connection's before the radio's, the network's last),
 * then the root of the pending items. Empty when
 * everything is in place.
 */
import type { Controller } from '../../reconciler/controller.js';
import { keyOf } from '../../reconciler/item.js';
import { ATTACH, CONNECTION, MODEM, MODES, RADIO, SIM_PIN, SIM_SLOT } from '../modemitems/types.js';

const order = [SIM_PIN, CONNECTION, ATTACH, MODES, SIM_SLOT, RADIO];

const friendly: Record<string, string> = {
  [CONNECTION]: 'connect',
  [ATTACH]: 'attach APN',
  [MODES]: 'preferred RATs',
  [SIM_SLOT]: 'SIM slot',
  [SIM_PIN]: 'SIM PIN',
  [RADIO]: 'radio',
  'net.link': 'network interface',
  'net.address': 'address',
  'net.route': 'route',
  'net.dns': 'DNS',
};

const rank = (type: string) => {
  const i = order.indexOf(type);
  return i < 0 ? order.length : i;
};

export function configErrorOf(label: string, controller: Controller, extra?: string): string {
  if (extra) return extra;
  const st = controller.state();
  const inCluster = new Set<string>();
  for (const [k, n] of st.desired.nodes) if (n.path[0] === label) inCluster.add(k);
  const pending = (st.lastPlan?.pending ?? []).filter((p) => inCluster.has(keyOf(p.ref)));
  // A modem that is gone says it all: a step that failed on it (a Connect ModemManager aborted as the
  // modem was unplugged) keeps its failed state until the modem is back, but is history.
  if (pending.some((p) => p.waitingFor.type === MODEM)) return 'modem not found';
  const failed = [...inCluster]
    .flatMap((k) => {
      const s = st.statuses.get(k);
      return s?.state === 'failed'
        ? [{ type: st.desired.nodes.get(k)!.item.type, error: s.lastError ?? 'unknown error' }]
        : [];
    })
    .sort((a, b) => rank(a.type) - rank(b.type));
  if (failed[0]) return `${friendly[failed[0].type] ?? failed[0].type} failed: ${failed[0].error}`;
  // A flapping item's repair held back by the reconciler's damping says so itself, not through the
  // items that wait for it.
  const damped = [...inCluster]
    .flatMap((k) => {
      const s = st.statuses.get(k);
      return s?.state === 'pending' && s.pendingReason?.startsWith('damped:')
        ? [{ type: st.desired.nodes.get(k)!.item.type, why: s.pendingReason }]
        : [];
    })
    .sort((a, b) => rank(a.type) - rank(b.type));
  if (damped[0]) return `${friendly[damped[0].type] ?? damped[0].type} held back: ${damped[0].why}`;
  // A chain of pending items says the same thing several times: report its root, the item that
  // waits for something that is not itself pending.
  const root = pending.find((p) => p.why !== 'pending') ?? pending[0];
  if (root) {
    return `${friendly[root.ref.type] ?? root.ref.type} waits for ${root.waitingFor.type}/${root.waitingFor.name}: ${root.detail}`;
  }
  return '';
}
