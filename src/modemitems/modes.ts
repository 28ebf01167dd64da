/**
 * Preferred RATs → the (allowed, preferred) MMModemMode pair for SetCurrentModes, chosen only from
 * the pairs the modem supports, scored as EVE does (eve-mmagent.md §4.7): the j-th preferred mode
 * weighs 4, 2, then 1; it counts once when allowed and again when it is the preferred mode; every
 * allowed mode outside the preference costs 10. The first best pair wins.
 */
import { ModemMode } from '../modemmanager/types.js';

export type Rat = '' | 'gsm' | 'umts' | 'lte' | '5gnr';

const modeOf: Record<Exclude<Rat, ''>, number> = {
  gsm: ModemMode.Mode2g,
  umts: ModemMode.Mode3g,
  lte: ModemMode.Mode4g,
  '5gnr': ModemMode.Mode5g,
};

const weights = [4, 2, 1];

export function chooseModes(
  preferredRats: readonly Rat[],
  supported: readonly (readonly [number, number])[],
): { allowed: number; preferred: number } | undefined {
  const prefs = preferredRats.filter((r): r is Exclude<Rat, ''> => r !== '').map((r) => modeOf[r]);
  if (prefs.length === 0 || supported.length === 0) return undefined;
  const all = [ModemMode.Mode2g, ModemMode.Mode3g, ModemMode.Mode4g, ModemMode.Mode5g];
  let best: { allowed: number; preferred: number } | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const [allowed, preferred] of supported) {
    let score = 0;
    prefs.forEach((mode, j) => {
      const w = weights[j] ?? 1;
      if (allowed & mode) score += w;
      if (preferred === mode) score += w;
    });
    for (const m of all) if (allowed & m && !prefs.includes(m)) score -= 10;
    if (score > bestScore) {
      bestScore = score;
      best = { allowed, preferred };
    }
  }
  return best;
}
