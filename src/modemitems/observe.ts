/**
 * The current ModemManager-side items, read from ModemManager's object tree. Observation is projected
 * onto what the desired state says: a field the config leaves unspecified (an empty IP type, no
 * credentials to compare) takes the desired value, so "don't care" never reads as drift, and item
 * types the desired state does not have for a modem are not observed (nothing to compare them with).
 */
import type { Item } from '../../reconciler/api.js';
import { item } from '../../reconciler/item.js';
import type { ModemView } from '../modemmanager/snapshot.js';
import {
  BearerAllowedAuth,
  BearerIpFamily,
  ModemLocationSource,
  ModemPowerState,
  ModemState,
  type VarDict,
} from '../modemmanager/types.js';
import { connectedBearer, type PlacedItem } from './desired.js';
import type { ScanTracker } from './scan.js';
import { PinMemory } from './sim-pin.js';
import {
  ATTACH,
  type AttachSpec,
  type AuthProtocol,
  type BearerSettingsSpec,
  CONNECTION,
  type ConnectionSpec,
  type IpType,
  LOCATION,
  type LocationSpec,
  MODEM,
  MODES,
  type ModemSpec,
  RADIO,
  type RadioSpec,
  REPAIR,
  type RepairSpec,
  SCAN,
  type ScanSpec,
  SIGNAL,
  SIM_PIN,
  SIM_SLOT,
  type SimPinSpec,
} from './types.js';

export interface ObservedModem {
  readonly name: string;
  readonly view: ModemView;
}

/** Desired specs by item key (`type/name`), to project observations onto. */
export type DesiredLookup = (type: string, name: string) => Item | undefined;

/** What the agent did that ModemManager does not show: PINs the SIM took, scans started. */
export interface ActionMemory {
  readonly pins?: PinMemory;
  readonly scans?: ScanTracker;
  /** The last connectivity repair step done per modem. */
  readonly repairDone?: (name: string) => RepairSpec | undefined;
}

export function observedItems(
  modems: readonly ObservedModem[],
  desired: DesiredLookup,
  memory: ActionMemory = {},
): PlacedItem[] {
  const pins = memory.pins ?? new PinMemory();
  const out: PlacedItem[] = [];
  for (const { name, view } of modems) {
    const at = (it: Item) => out.push({ item: it, path: [name] });
    const m = view.modem;
    const state = m.State ?? ModemState.Unknown;
    at(
      item<ModemSpec>({
        type: MODEM,
        name,
        spec: { state, powered: m.PowerState === ModemPowerState.On },
        external: true,
      }),
    );
    at(item({ type: RADIO, name, spec: radioSpec(view) }));
    if (desired(SIM_SLOT, name)) at(item({ type: SIM_SLOT, name, spec: { slot: m.PrimarySimSlot || 1 } }));
    // The PIN is in place once the SIM took it, until ModemManager reports the SIM unlocked (the
    // item is then no longer wanted): never sent twice while that report is on its way.
    const wantPin = desired(SIM_PIN, name)?.spec as SimPinSpec | undefined;
    if (wantPin && pins.wasAccepted(name, wantPin.pin)) at(item({ type: SIM_PIN, name, spec: wantPin }));
    const wantModes = desired(MODES, name);
    if (wantModes && m.CurrentModes) {
      at(item({ type: MODES, name, spec: { allowed: m.CurrentModes[0], preferred: m.CurrentModes[1] } }));
    }
    const wantAttach = desired(ATTACH, name)?.spec as AttachSpec | undefined;
    const eps = view.modem3gpp?.InitialEpsBearerSettings;
    if (wantAttach && eps && typeof eps.apn === 'string' && eps.apn !== '') {
      at(item({ type: ATTACH, name, spec: bearerSettings(eps, wantAttach) }));
    }
    const bearer = connectedBearer(view);
    if (bearer) {
      const want = desired(CONNECTION, name)?.spec as ConnectionSpec | undefined;
      const props = bearer.props.Properties ?? {};
      const roaming =
        typeof props['allow-roaming'] === 'boolean' ? props['allow-roaming'] : (want?.allowRoaming ?? true);
      at(
        item<ConnectionSpec>({
          type: CONNECTION,
          name,
          spec: { ...bearerSettings(props, want), allowRoaming: roaming },
        }),
      );
    }
    if (desired(LOCATION, name)) {
      const l = view.location;
      const enabled =
        !!l && ((l.Enabled ?? 0) & ModemLocationSource.GpsRaw) !== 0 && l.SignalsLocation === true;
      const refreshSeconds = l?.GpsRefreshRate;
      const spec: LocationSpec =
        enabled && refreshSeconds !== undefined ? { enabled, refreshSeconds } : { enabled };
      at(item({ type: LOCATION, name, spec }));
    }
    // A scan round is done once started (scan.ts): the result comes later, as an observation. Seen
    // also when no longer wanted, so its delete stops the scan and drops its results.
    const round = memory.scans?.round(name);
    if (round !== undefined) at(item<ScanSpec>({ type: SCAN, name, spec: { round } }));
    const repair = memory.repairDone?.(name);
    if (repair) at(item<RepairSpec>({ type: REPAIR, name, spec: repair }));
    if (desired(SIGNAL, name) && view.signal) {
      at(item({ type: SIGNAL, name, spec: { rateSeconds: view.signal.Rate ?? 0 } }));
    }
  }
  return out;
}

/**
 * The radio as observed: on (powered and enabled, or on its way), off (low power or off), or neither
 * (powered but disabled), which differs from both wanted states so either gets acted on.
 */
export function radioSpec(view: ModemView): RadioSpec | { readonly on: false; readonly powered: true } {
  if (radioOn(view)) return { on: true };
  const s = view.modem.State ?? ModemState.Unknown;
  if (view.modem.PowerState === ModemPowerState.On && s <= ModemState.Disabled)
    return { on: false, powered: true };
  return { on: false };
}

/** Radio on: powered on and enabled (or on its way, or beyond: registered, connected, ...). */
export function radioOn(view: ModemView): boolean {
  const s = view.modem.State ?? ModemState.Unknown;
  return view.modem.PowerState === ModemPowerState.On && s >= ModemState.Enabling;
}

const ipTypeOf: Record<number, IpType> = {
  [BearerIpFamily.Ipv4]: 'ipv4',
  [BearerIpFamily.Ipv6]: 'ipv6',
  [BearerIpFamily.Ipv4v6]: 'ipv4v6',
};

function authOf(u: number): AuthProtocol | undefined {
  const pap = (u & BearerAllowedAuth.Pap) !== 0;
  const chap = (u & BearerAllowedAuth.Chap) !== 0;
  if (pap && chap) return 'pap-and-chap';
  if (pap) return 'pap';
  if (chap) return 'chap';
  if (u === BearerAllowedAuth.None) return '';
  return undefined;
}

/** Bearer settings as ModemManager reports them (`Properties` or initial EPS settings), projected onto `want`. */
function bearerSettings(props: VarDict, want: BearerSettingsSpec | undefined): BearerSettingsSpec {
  const apn = typeof props.apn === 'string' ? props.apn : '';
  const ipType = typeof props['ip-type'] === 'number' ? ipTypeOf[props['ip-type']] : undefined;
  const auth = typeof props['allowed-auth'] === 'number' ? authOf(props['allowed-auth']) : undefined;
  const user = typeof props.user === 'string' ? props.user : '';
  const sameVisible =
    !!want && apn === want.apn && user === want.user && (want.ipType === '' || ipType === want.ipType);
  return {
    apn,
    // Unspecified in the config: whatever ModemManager chose is fine.
    ipType: want && want.ipType === '' ? '' : (ipType ?? ''),
    auth: want && (want.auth === '' || auth === undefined) ? want.auth : (auth ?? ''),
    user,
    // The password cannot be read back: when everything visible matches, assume it does too.
    credentials: sameVisible ? want.credentials : user === '' ? '' : 'unknown',
  };
}
