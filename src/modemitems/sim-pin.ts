/**
 * When the agent may send the configured PIN to a PIN-locked SIM. A SIM blocks for its PUK after
 * three wrong PINs, and a PUK-blocked SIM on a remote device is a site visit, so the rules are strict:
 * - only the modem's own SIM, only while ModemManager says it wants the SIM PIN;
 * - only while `UnlockRetries` shows at least 2 PIN tries left (the last try is never spent);
 * - when ModemManager does not report tries left, a given PIN is sent at most once;
 * - a PIN the SIM rejected is never sent again until the PIN in the config changes.
 * EVE's Go agent has no PIN support (a locked SIM is listed as unsupported).
 *
 * The memory of what was sent and rejected is by PIN digest (never the PIN) and per modem name; it
 * lives as long as the process, which is what "never again" can promise without writing secrets
 * (even digests) to disk.
 */
import type { ModemView } from '../modemmanager/snapshot.js';

/** MMModemLock (ModemManager-enums.h). */
export const ModemLock = { Unknown: 0, None: 1, SimPin: 2, SimPin2: 3, SimPuk: 4 } as const;

/** The fewest PIN tries left at which a PIN is still sent. */
export const MIN_PIN_TRIES = 2;

export type PinDecision =
  | { readonly locked: false }
  | { readonly locked: true; readonly send: true; readonly triesLeft: number | undefined }
  | { readonly locked: true; readonly send: false; readonly why: string };

/** What was done with PINs per modem name (digests only). */
export class PinMemory {
  private readonly sent = new Map<string, Set<string>>();
  private readonly rejected = new Map<string, Set<string>>();
  /** PINs the SIM took, until ModemManager reports the SIM unlocked (see unlocked()). */
  private readonly accepted = new Map<string, string>();

  /** `onVerdict`: the SIM took or rejected a PIN, which changes what is wanted (the owner rebuilds). */
  constructor(private readonly onVerdict: () => void = () => {}) {}

  noteSent(name: string, digest: string): void {
    add(this.sent, name, digest);
  }

  noteRejected(name: string, digest: string): void {
    add(this.rejected, name, digest);
    this.onVerdict();
  }

  noteAccepted(name: string, digest: string): void {
    this.accepted.set(name, digest);
    this.onVerdict();
  }

  /** SendPin succeeded with this PIN and ModemManager has not reported the SIM unlocked yet. */
  wasAccepted(name: string, digest: string): boolean {
    return this.accepted.get(name) === digest;
  }

  /** ModemManager reports the modem's SIM needs no PIN (any more). */
  unlocked(name: string): void {
    this.accepted.delete(name);
  }

  wasSent(name: string, digest: string): boolean {
    return this.sent.get(name)?.has(digest) ?? false;
  }

  wasRejected(name: string, digest: string): boolean {
    return this.rejected.get(name)?.has(digest) ?? false;
  }
}

function add(m: Map<string, Set<string>>, name: string, digest: string): void {
  const s = m.get(name) ?? new Set<string>();
  s.add(digest);
  m.set(name, s);
}

/** Whether the modem's SIM wants its PIN or PUK. */
export function isSimLocked(view: ModemView): boolean {
  const lock = view.modem.UnlockRequired;
  return lock === ModemLock.SimPin || lock === ModemLock.SimPuk;
}

/** PIN tries left as ModemManager reports them (UnlockRetries a{uu}), or undefined when it does not. */
export function pinTriesLeft(view: ModemView): number | undefined {
  const retries = (view.modem as { UnlockRetries?: Record<string, unknown> }).UnlockRetries;
  const n = retries?.[String(ModemLock.SimPin)];
  return typeof n === 'number' ? n : undefined;
}

const tries = (n: number) => `${n} PIN ${n === 1 ? 'try' : 'tries'} left`;

/** Whether the configured PIN (its digest, '' for none) may be sent to this modem's SIM now. */
export function pinDecision(name: string, view: ModemView, digest: string, memory: PinMemory): PinDecision {
  const lock = view.modem.UnlockRequired;
  if (lock === ModemLock.SimPuk)
    return {
      locked: true,
      send: false,
      why: 'the SIM is PUK-locked: it needs its PUK, which the agent never sends',
    };
  if (lock !== ModemLock.SimPin) return { locked: false };
  const left = pinTriesLeft(view);
  const state = left === undefined ? 'the SIM is PIN-locked' : `the SIM is PIN-locked (${tries(left)})`;
  if (digest === '')
    return { locked: true, send: false, why: `${state} and the config gives no PIN (AccessPoint.PIN)` };
  if (view.sim === undefined)
    return { locked: true, send: false, why: `${state} but its SIM object is not known yet` };
  if (memory.wasRejected(name, digest))
    return {
      locked: true,
      send: false,
      why: `${state}: the SIM rejected this PIN, which is not sent again until the PIN in the config changes`,
    };
  if (left !== undefined && left < MIN_PIN_TRIES)
    return {
      locked: true,
      send: false,
      why: `${state}: the PIN is not sent with fewer than ${MIN_PIN_TRIES} tries left (the last one is kept for a person)`,
    };
  if (left === undefined && memory.wasSent(name, digest))
    return {
      locked: true,
      send: false,
      why: `${state}: this PIN was sent once and ModemManager reports no tries left, so it is not sent again`,
    };
  return { locked: true, send: true, triesLeft: left };
}
