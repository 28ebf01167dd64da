/**
 * ConfigError for a modem, for people: why its config is not (yet) in force, from what the
 * reconciler knows about the modem's items: a failed item's error first (the connection's before the
 * radio's), then the first pending item's reason. Empty when everything is in place.
 */
import type { Controller } from '../../reconciler/controller.js';
import { ATTACH, CONNECTION, MODES, RADIO, SIM_SLOT } from '../modemitems/types.js';

const order = [CONNECTION, ATTACH, MODES, SIM_SLOT, RADIO];

const friendly: Record<string, string> = {
  [CONNECTION]: 'connect',
  [ATTACH]: 'attach APN',
  [MODES]: 'preferred RATs',
  [SIM_SLOT]: 'SIM slot',
  [RADIO]: 'radio',
};

export function configErrorOf(label: string, controller: Controller, extra?: string): string {
  if (extra) return extra;
  const st = controller.state();
  for (const type of order) {
    const s = st.statuses.get(`${type}/${label}`);
    if (s?.state === 'failed') return `${friendly[type]} failed: ${s.lastError ?? 'unknown error'}`;
  }
  // A chain of pending items says the same thing several times: report its root, the item that
  // waits for something that is not itself pending.
  const pending = (st.lastPlan?.pending ?? []).filter((p) => p.ref.name === label);
  if (pending.some((p) => p.waitingFor.type === 'mm.modem')) return 'modem not found';
  const root = pending.find((p) => p.why !== 'pending') ?? pending[0];
  if (root) {
    return `${friendly[root.ref.type] ?? root.ref.type} waits for ${root.waitingFor.type}/${root.waitingFor.name}: ${root.detail}`;
  }
  return '';
}
