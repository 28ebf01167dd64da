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
  for (const p of st.lastPlan?.pending ?? []) {
    if (p.ref.name !== label) continue;
    if (p.waitingFor.type === 'mm.modem') return 'modem not found';
    return `${friendly[p.ref.type] ?? p.ref.type} waits for ${p.waitingFor.type}/${p.waitingFor.name}: ${p.detail}`;
  }
  return '';
}
