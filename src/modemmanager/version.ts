/**
 * ModemManager version gating. The manager's `Version` property (e.g. `1.20.4`, `1.23.900-dev`)
 * is read once per ModemManager process; features newer than the running daemon are not used.
 */

/** [major, minor, micro]; missing or non-numeric parts count as 0. */
export function parseVersion(v: string): [number, number, number] {
  const parts = v
    .trim()
    .split(/[.-]/, 3)
    .map((p) => Number.parseInt(p, 10));
  return [parts[0] || 0, parts[1] || 0, parts[2] || 0];
}

/** True when `have` ≥ `want`; false when `have` is unknown. */
export function versionAtLeast(have: string | undefined, want: string): boolean {
  if (!have) return false;
  const a = parseVersion(have);
  const b = parseVersion(want);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Features the agent gates on, with the first ModemManager release that has them. */
export const FEATURE_SINCE = {
  /** SimSlots, PrimarySimSlot, SetPrimarySimSlot, Sim.Active/Eid, Signal.Nr5g */
  simSlots: '1.16',
  /** Bearer.ConnectionError, Modem3gpp.ProfileManager, multiplex */
  connectionError: '1.18',
  profileManager: '1.18',
  /** PacketServiceState, SimType/EsimStatus, roaming-allowance, GetCellInfo, stats start-date */
  packetServiceState: '1.20',
  roamingAllowance: '1.20',
  /** Modem.Physdev, Modem3gpp.SetCarrierLock (EVE ships 1.22) */
  physdev: '1.22',
  /** Modem3gpp.NetworkRejection, Core.Throttled/Timeout errors */
  networkRejection: '1.24',
  /** Bearer.DisconnectRequest, Modem.IgnoredPorts */
  disconnectRequest: '1.26',
} as const;

export type Feature = keyof typeof FEATURE_SINCE;

export function supports(version: string | undefined, feature: Feature): boolean {
  return versionAtLeast(version, FEATURE_SINCE[feature]);
}
