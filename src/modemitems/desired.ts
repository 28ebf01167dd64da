/**
 * The desired ModemManager-side items (and, for a connected modem, the network items built from its
 * bearer's IP settings) for every modem, from the config and what ModemManager reports. Pure.
 */
import type { Dependency, Item } from '../../reconciler/api.js';
import { item } from '../../reconciler/item.js';
import type { ModemView } from '../modemmanager/snapshot.js';
import { BearerIpMethod, type IpConfig, ModemState } from '../modemmanager/types.js';
import { type FamilySettings, interfaceItems } from '../netitems/builders.js';
import { INTERFACE, LINK } from '../netitems/types.js';
import type { WwanNetworkConfig } from '../schemas/types.generated.js';
import { credentialsDigest, type ModemSecrets, pinDigest } from './credentials.js';
import { chooseModes, type Rat } from './modes.js';
import { radioSpec } from './observe.js';
import { PinMemory, pinDecision } from './sim-pin.js';
import {
  ATTACH,
  type AttachSpec,
  type AuthProtocol,
  CONNECTION,
  type ConnectionSpec,
  type IpType,
  LOCATION,
  type LocationSpec,
  MODEM,
  MODES,
  type ModesSpec,
  RADIO,
  type RadioSpec,
  REPAIR,
  type RepairSpec,
  SCAN,
  type ScanSpec,
  SIGNAL,
  SIM_PIN,
  SIM_SLOT,
  type SignalSpec,
  type SimPinSpec,
  type SimSlotSpec,
} from './types.js';

export const DEFAULT_MTU = 1500;

/** One modem as the agent sees it: its item name, its config (none: unmanaged), its MM view (none: absent). */
export interface ModemInput {
  readonly name: string;
  readonly config?: WwanNetworkConfig;
  readonly view?: ModemView;
}

export interface DesiredInput {
  readonly radioSilence: boolean;
  readonly modems: readonly ModemInput[];
  /** The name of the one modem that tracks location, if any. */
  readonly locationModem?: string;
  readonly signalRateSeconds: number;
  /** GPS refresh rate of the location-tracking modem, in seconds. */
  readonly locationRefreshSeconds: number;
  /** The visible-provider scan round of managed modems; undefined: scanning is off. */
  readonly scanRound?: number;
  /** The connectivity repair step wanted for a modem (agent/connectivity.ts), if any. */
  readonly repairOf?: (name: string) => RepairSpec | undefined;
  readonly secrets: (name: string) => ModemSecrets;
  /** What was done with PINs (the agent's); without it, a plan assumes nothing was sent yet. */
  readonly pinMemory?: PinMemory;
  /** Build the network items of connected modems (false when the agent has no netlink). */
  readonly network: boolean;
}

export interface DesiredItems {
  readonly items: PlacedItem[];
  /**
   * Modems whose items could not be built (name → why), e.g. an address ModemManager reports that the
   * kernel would refuse. Their items are left out; every other modem's are unaffected.
   */
  readonly errors: ReadonlyMap<string, string>;
  /** Modems that cannot be acted on for a reason that is not an error of ours (name → why), e.g. a locked SIM. */
  readonly notices: ReadonlyMap<string, string>;
}

export interface PlacedItem {
  readonly item: Item;
  readonly path: readonly string[];
}

const modemDep = (name: string): Dependency => ({
  ref: { type: MODEM, name },
  description: 'needs the modem present in ModemManager',
});
const radioOnDep = (name: string, why: string): Dependency => ({
  ref: { type: RADIO, name },
  predicate: { name: 'radioOn' },
  description: why,
});

export function desiredItems(input: DesiredInput): DesiredItems {
  const out: PlacedItem[] = [];
  const errors = new Map<string, string>();
  const notices = new Map<string, string>();
  for (const m of input.modems) {
    // One modem's bad data must not take the others down: its items are dropped as a whole.
    const start = out.length;
    try {
      modemItems(input, m, out, notices);
    } catch (err) {
      out.length = start;
      errors.set(m.name, err instanceof Error ? err.message : String(err));
    }
  }
  return { items: out, errors, notices };
}

/** Location and signal measurement: wanted from every managed modem, connected or not. */
function addTelemetry(input: DesiredInput, m: ModemInput, at: (it: Item) => void): void {
  at(
    item<LocationSpec>({
      type: LOCATION,
      name: m.name,
      spec:
        input.locationModem === m.name
          ? { enabled: true, refreshSeconds: input.locationRefreshSeconds }
          : { enabled: false },
      deps: [radioOnDep(m.name, 'location is gathered by an enabled modem')],
    }),
  );
  at(
    item<SignalSpec>({
      type: SIGNAL,
      name: m.name,
      spec: { rateSeconds: input.signalRateSeconds },
      deps: [radioOnDep(m.name, 'signal is measured by an enabled modem')],
    }),
  );
}

function modemItems(
  input: DesiredInput,
  m: ModemInput,
  out: PlacedItem[],
  notices: Map<string, string>,
): void {
  const at = (it: Item, ...sub: string[]) => out.push({ item: it, path: [m.name, ...sub] });
  const managed = !!m.config && !input.radioSilence;
  const secrets = input.secrets(m.name);
  const radioDeps = [modemDep(m.name)];
  // A locked SIM: everything on the modem waits for the PIN, sent only when that is safe
  // (sim-pin.ts). When it is not, nothing can be done with the modem: its radio is left as it is,
  // nothing else is wanted, and the reason is the modem's notice (its ConfigError).
  const digest = pinDigest(secrets.pin);
  const pin =
    managed && m.view ? pinDecision(m.name, m.view, digest, input.pinMemory ?? new PinMemory()) : undefined;
  if (pin?.locked && !pin.send) {
    notices.set(m.name, pin.why);
    at(item({ type: RADIO, name: m.name, spec: radioSpec(m.view!), deps: radioDeps }));
    return;
  }
  if (pin?.locked) {
    at(item<SimPinSpec>({ type: SIM_PIN, name: m.name, spec: { pin: digest }, deps: [modemDep(m.name)] }));
    radioDeps.push({
      ref: { type: SIM_PIN, name: m.name },
      description: 'the SIM is PIN-locked: the PIN is sent first',
    });
  }
  at(item<RadioSpec>({ type: RADIO, name: m.name, spec: { on: managed }, deps: radioDeps }));
  if (!managed || !m.config) return;
  const ap = m.config.AccessPoint ?? {};
  const connDeps: Dependency[] = [radioOnDep(m.name, 'a connection needs the radio on')];

  if ((ap.SIMSlot ?? 0) > 0) {
    at(
      item<SimSlotSpec>({
        type: SIM_SLOT,
        name: m.name,
        spec: { slot: ap.SIMSlot! },
        deps: [modemDep(m.name)],
      }),
    );
    connDeps.push({
      ref: { type: SIM_SLOT, name: m.name },
      description: 'connect on the configured SIM slot',
    });
  }
  const modes = m.view
    ? chooseModes((ap.PreferredRATs ?? []) as Rat[], m.view.modem.SupportedModes ?? [])
    : undefined;
  if (modes) {
    at(
      item<ModesSpec>({
        type: MODES,
        name: m.name,
        spec: modes,
        deps: [radioOnDep(m.name, 'modes are set on an enabled modem')],
      }),
    );
    connDeps.push({ ref: { type: MODES, name: m.name }, description: 'connect with the preferred RATs' });
  }
  // Credentials that cannot be used block the attach and the connection (not the radio, modes or
  // location): connecting without them, or with stale ones, is not what the config asks for.
  if (secrets.blocked !== undefined) {
    addTelemetry(input, m, at);
    return;
  }
  if (ap.AttachAPN) {
    at(
      item<AttachSpec>({
        type: ATTACH,
        name: m.name,
        spec: {
          apn: ap.AttachAPN,
          ipType: (ap.AttachIPType ?? '') as IpType,
          auth: (ap.AttachAuthProtocol ?? '') as AuthProtocol,
          user: secrets.attach?.user ?? '',
          credentials: credentialsDigest(secrets.attach),
        },
        deps: [radioOnDep(m.name, 'the attach bearer is set on an enabled modem')],
      }),
    );
    connDeps.push({
      ref: { type: ATTACH, name: m.name },
      description: 'attach with the configured APN first',
    });
  }
  const conn = item<ConnectionSpec>({
    type: CONNECTION,
    name: m.name,
    spec: {
      apn: ap.APN ?? '',
      ipType: (ap.IPType ?? '') as IpType,
      auth: (ap.AuthProtocol ?? '') as AuthProtocol,
      user: secrets.connection?.user ?? '',
      credentials: credentialsDigest(secrets.connection),
      allowRoaming: !(ap.ForbidRoaming ?? false),
    },
    deps: connDeps,
  });
  at(conn);
  addTelemetry(input, m, at);
  const repair = input.repairOf?.(m.name);
  if (repair) at(item<RepairSpec>({ type: REPAIR, name: m.name, spec: repair, deps: [modemDep(m.name)] }));
  if (input.scanRound !== undefined)
    at(
      item<ScanSpec>({
        type: SCAN,
        name: m.name,
        spec: { round: input.scanRound },
        deps: [radioOnDep(m.name, 'a scan needs the radio on')],
      }),
    );
  // The network side follows the bearer: its IP settings are observations that make desired items.
  const bearer = m.view ? connectedBearer(m.view) : undefined;
  const ifname = bearer?.props.Interface;
  if (input.network && bearer && ifname) {
    const v4 = familySettings(bearer.props.Ip4Config);
    const v6 = familySettings(bearer.props.Ip6Config);
    const mtu = m.config.MTU || bearer.props.Ip4Config?.mtu || bearer.props.Ip6Config?.mtu || DEFAULT_MTU;
    const dns = [...dnsOf(bearer.props.Ip4Config), ...dnsOf(bearer.props.Ip6Config)];
    const connDep: Dependency = {
      ref: { type: CONNECTION, name: m.name },
      description: 'the interface carries the connection',
    };
    for (const it of interfaceItems({
      ifname,
      mtu,
      ...(v4 ? { ipv4: v4 } : {}),
      ...(v6 ? { ipv6: v6 } : {}),
      dns,
      metric: m.config.RouteMetric ?? 0,
    })) {
      // Only the link hangs off the connection: everything else hangs off the link already.
      // The link waits for the interface to exist: a config may name it before the driver does.
      const ifDep: Dependency = {
        ref: { type: INTERFACE, name: ifname },
        description: 'the interface must exist in the kernel',
      };
      const placed = it.type === LINK ? item({ ...it, deps: [...it.deps, ifDep, connDep] }) : it;
      at(placed, 'net');
    }
  }
}

/** The connected default bearer of a modem, if any. */
export function connectedBearer(view: ModemView): ModemView['bearers'][number] | undefined {
  if (view.modem.State !== undefined && view.modem.State < ModemState.Registered) return undefined;
  return view.bearers.find((b) => b.props.Connected === true && (b.props.BearerType ?? 1) !== 2);
}

function familySettings(c: IpConfig | undefined): FamilySettings | undefined {
  if (!c || c.method !== BearerIpMethod.Static || !c.address || !c.prefix) return undefined;
  return {
    address: c.address,
    prefixLength: c.prefix,
    ...(c.gateway && c.gateway !== '0.0.0.0' && c.gateway !== '::' ? { gateway: c.gateway } : {}),
  };
}

function dnsOf(c: IpConfig | undefined): string[] {
  if (!c) return [];
  return [c.dns1, c.dns2, c.dns3].filter((d): d is string => typeof d === 'string' && d !== '');
}
