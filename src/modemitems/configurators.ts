/**
 * Configurators of the ModemManager-side items. Each looks the modem's current D-Bus path up at call
 * time (paths change when a modem reappears) and passes its AbortSignal and timeout to every call.
 * Deleting something on a modem that is gone succeeds: there is nothing left to undo.
 */
import type { Configurator, Item, Json, OpContext, Predicates } from '../../reconciler/api.js';
import { PermanentError } from '../../reconciler/api.js';
import { bearerDict, type ModemManagerCalls } from '../modemmanager/calls.js';
import { classify, MMError, ModemManagerError } from '../modemmanager/errors.js';
import type { ModemView } from '../modemmanager/snapshot.js';
import {
  BearerAllowedAuth,
  BearerIpFamily,
  ModemLocationSource,
  ModemPowerState,
  ModemState,
  type VarDict,
} from '../modemmanager/types.js';
import { type ModemSecrets, pinDigest } from './credentials.js';
import type { ScanTracker } from './scan.js';
import type { PinMemory } from './sim-pin.js';
import type {
  AttachSpec,
  AuthProtocol,
  ConnectionSpec,
  IpType,
  LocationSpec,
  ModesSpec,
  RadioSpec,
  RepairSpec,
  ScanSpec,
  SignalSpec,
  SimPinSpec,
  SimSlotSpec,
} from './types.js';
import {
  ATTACH,
  CONNECTION,
  LOCATION,
  MODES,
  RADIO,
  REPAIR,
  SCAN,
  SIGNAL,
  SIM_PIN,
  SIM_SLOT,
} from './types.js';

export interface ModemAccess {
  readonly calls: ModemManagerCalls;
  /** The modem's current view by item name; undefined when it is absent. */
  view(name: string): ModemView | undefined;
  secrets(name: string): ModemSecrets;
  /** What was done with PINs: SendPin records here what it sent and what the SIM rejected. */
  readonly pins: PinMemory;
  /** Scans under way and their results (the steps start scans and do not wait for them). */
  readonly scans: ScanTracker;
  /** Where a connectivity repair step done is recorded (agent/connectivity.ts). */
  readonly repairs?: { noteRepairDone(name: string, step: RepairSpec['step'], round: number): void };
}

export const modemPredicates: Predicates = {
  radioOn: (spec) => (spec as RadioSpec).on === true,
};

class ModemGone extends Error {
  override readonly name = 'ModemGone';
}

function pathOf(access: ModemAccess, name: string): string {
  const v = access.view(name);
  if (!v) throw new ModemGone(`modem ${name} is not present in ModemManager`);
  return v.path;
}

/** Runs a delete-like action; a modem that is gone has nothing to undo. */
async function undo(access: ModemAccess, name: string, fn: (path: string) => Promise<void>): Promise<void> {
  const v = access.view(name);
  if (!v) return;
  try {
    await fn(v.path);
  } catch (e) {
    if (classify(e) === 'gone') return;
    throw e;
  }
}

/** Errors that retrying cannot fix until the config changes are permanent (no backoff retries). */
function rethrow(e: unknown): never {
  const cls = classify(e);
  if (cls === 'config' || cls === 'permission') {
    const p = new PermanentError(e instanceof Error ? e.message : String(e));
    p.cause = e;
    throw p;
  }
  throw e;
}

const opts = (ctx: OpContext) => ({ signal: ctx.signal });

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function setRadio(access: ModemAccess, name: string, on: boolean, ctx: OpContext): Promise<void> {
  const path = pathOf(access, name);
  const v = access.view(name)!;
  const state = v.modem.State ?? ModemState.Unknown;
  try {
    if (on) {
      if (v.modem.PowerState !== ModemPowerState.On) {
        if (state >= ModemState.Enabling) await access.calls.enable(path, false, opts(ctx));
        await access.calls.setPowerState(path, ModemPowerState.On, opts(ctx));
      }
      if (state < ModemState.Enabling || v.modem.PowerState !== ModemPowerState.On) {
        await access.calls.enable(path, true, opts(ctx));
      }
    } else {
      if (state >= ModemState.Enabling || state === ModemState.Failed) {
        try {
          await access.calls.enable(path, false, opts(ctx));
        } catch (e) {
          // A failed modem may refuse to disable and still accept a power change (EVE does the same).
          if (state !== ModemState.Failed) throw e;
        }
      }
      if (v.modem.PowerState === ModemPowerState.On) {
        await access.calls.setPowerState(path, ModemPowerState.Low, opts(ctx));
      }
    }
  } catch (e) {
    rethrow(e);
  }
}

const ipFamily: Record<IpType, BearerIpFamily | undefined> = {
  '': undefined,
  ipv4: BearerIpFamily.Ipv4,
  ipv6: BearerIpFamily.Ipv6,
  ipv4v6: BearerIpFamily.Ipv4v6,
};
const allowedAuth: Record<AuthProtocol, number | undefined> = {
  '': undefined,
  pap: BearerAllowedAuth.Pap,
  chap: BearerAllowedAuth.Chap,
  'pap-and-chap': BearerAllowedAuth.Pap | BearerAllowedAuth.Chap,
};

function bearerProps(spec: AttachSpec, creds: { user: string; password: string } | undefined) {
  const ipType = ipFamily[spec.ipType];
  const auth = allowedAuth[spec.auth];
  return {
    apn: spec.apn,
    ...(ipType !== undefined ? { ipType } : {}),
    ...(auth !== undefined ? { allowedAuth: auth } : {}),
    ...(creds?.user ? { user: creds.user } : {}),
    ...(creds?.password ? { password: creds.password } : {}),
  };
}

/** Keys ModemManager reports on every bearer, at these values when the connect did not set them. */
const BEARER_DEFAULTS: Readonly<Record<string, unknown>> = { 'profile-id': -1 };

/**
 * Whether a bearer's reported settings are exactly those a Simple.Connect sends: then ModemManager
 * connects that bearer again instead of making another (mm-iface-modem-simple.c looks for one with
 * the same properties first; EVE's agent relies on it after every drop). Anything unknown or
 * different (a password ModemManager does not show, a key it added) is not the same.
 */
function sameSettings(reported: VarDict | undefined, sent: ReturnType<typeof bearerDict>): boolean {
  if (!reported) return false;
  for (const [k, t] of Object.entries(sent)) if (reported[k] !== t.value) return false;
  for (const [k, v] of Object.entries(reported)) if (!(k in sent) && BEARER_DEFAULTS[k] !== v) return false;
  return true;
}

/** Which fields of a connection change force a reconnect: all of them (a bearer is immutable). */
function connectionRecreate(oldItem: Item<ConnectionSpec>, newItem: Item<ConnectionSpec>): string {
  const o = oldItem.spec;
  const n = newItem.spec;
  const what =
    o.apn !== n.apn
      ? 'APN changed'
      : o.ipType !== n.ipType
        ? 'IP type changed'
        : o.auth !== n.auth || o.user !== n.user || o.credentials !== n.credentials
          ? 'credentials changed'
          : o.allowRoaming !== n.allowRoaming
            ? 'roaming changed'
            : 'connection settings changed';
  return `${what}: connection will be re-established, expect downtime`;
}

export function createModemConfigurators(access: ModemAccess): Record<string, Configurator<never>> {
  const radio: Configurator<RadioSpec> = {
    create: (it, ctx) => setRadio(access, it.name, it.spec.on, ctx),
    modify: (_o, it, ctx) => setRadio(access, it.name, it.spec.on, ctx),
    // The item goes when the modem goes or changes hands: leave the radio as it is.
    delete: () => {},
    timeoutMs: 150_000,
  };
  /**
   * A setting of the modem: create and modify both set it (MM errors a retry cannot fix become
   * permanent); delete leaves it as it is (there is no "unset" in ModemManager).
   */
  const setting = <S extends Json>(
    set: (path: string, it: Item<S>, ctx: OpContext) => Promise<unknown>,
    extra: Pick<Configurator<S>, 'needsRecreate' | 'timeoutMs'> = {},
  ): Configurator<S> => {
    const apply = async (it: Item<S>, ctx: OpContext) => {
      try {
        await set(pathOf(access, it.name), it, ctx);
      } catch (e) {
        rethrow(e);
      }
    };
    return { create: apply, modify: (_o, it, ctx) => apply(it, ctx), delete: () => {}, ...extra };
  };
  const simSlot = setting<SimSlotSpec>(
    (path, it, ctx) => access.calls.setPrimarySimSlot(path, it.spec.slot, opts(ctx)),
    {
      // ModemManager re-probes the modem on a slot switch: everything on it starts over.
      needsRecreate: () => 'switching the SIM slot restarts the modem: its connection is re-established',
      timeoutMs: 90_000,
    },
  );
  // SendPin to the modem's own SIM, once per item (a rejection is permanent: never retried, and the
  // memory keeps the PIN from being desired again until the config's PIN changes).
  const sendPin = async (it: Item<SimPinSpec>, ctx: OpContext): Promise<void> => {
    const sim = access.view(it.name)?.sim;
    if (!sim) throw new ModemGone(`modem ${it.name} or its SIM is not present in ModemManager`);
    const pin = access.secrets(it.name).pin;
    if (!pin || pinDigest(pin) !== it.spec.pin) throw new PermanentError('the PIN in the config changed');
    access.pins.noteSent(it.name, it.spec.pin);
    try {
      await access.calls.sendPin(sim.path, pin, opts(ctx));
      access.pins.noteAccepted(it.name, it.spec.pin);
    } catch (e) {
      if (e instanceof ModemManagerError && e.errorName === MMError.IncorrectPassword) {
        access.pins.noteRejected(it.name, it.spec.pin);
        const p = new PermanentError(`the SIM rejected the PIN: ${errorText(e)}`);
        p.cause = e;
        throw p;
      }
      rethrow(e);
    }
  };
  // The step starts the scan and returns: minutes of Modem3gpp.Scan must not hold the loop (scan.ts).
  const startScan = async (it: Item<ScanSpec>): Promise<void> => {
    const path = pathOf(access, it.name);
    access.scans.start(it.name, it.spec.round, (signal) => access.calls.scan(path, { signal }));
  };
  const scan: Configurator<ScanSpec> = {
    create: startScan,
    modify: (_o, it) => startScan(it),
    delete: (it) => access.scans.stop(it.name),
  };
  // A repair step acts once and leaves the rest to the reconciler: after a disconnect the connection
  // item is created again, after a disable the radio item enables the modem, after a reset the
  // modem comes back and everything on it is applied again.
  const doRepair = async (it: Item<RepairSpec>, ctx: OpContext): Promise<void> => {
    const path = pathOf(access, it.name);
    try {
      if (it.spec.step === 'reconnect') await access.calls.disconnect(path, '/', opts(ctx));
      else if (it.spec.step === 'reenable') await access.calls.enable(path, false, opts(ctx));
      else await access.calls.reset(path, opts(ctx));
    } catch (e) {
      rethrow(e);
    }
    access.repairs?.noteRepairDone(it.name, it.spec.step, it.spec.round);
  };
  const repair: Configurator<RepairSpec> = {
    create: doRepair,
    modify: (_o, it, ctx) => doRepair(it, ctx),
    delete: () => {},
  };
  const simPin: Configurator<SimPinSpec> = {
    create: sendPin,
    modify: (_o, it, ctx) => sendPin(it, ctx),
    delete: () => {},
  };
  const modes = setting<ModesSpec>((path, it, ctx) =>
    access.calls.setCurrentModes(path, it.spec.allowed, it.spec.preferred, opts(ctx)),
  );
  const attach = setting<AttachSpec>(
    (path, it, ctx) =>
      access.calls.setInitialEpsBearerSettings(
        path,
        bearerProps(it.spec, access.secrets(it.name).attach),
        opts(ctx),
      ),
    { timeoutMs: 90_000 },
  );
  const connection: Configurator<ConnectionSpec> = {
    create: async (it, ctx) => {
      const path = pathOf(access, it.name);
      const creds = access.secrets(it.name).connection;
      const props = { ...bearerProps(it.spec, creds), allowRoaming: it.spec.allowRoaming };
      const sent = bearerDict(props);
      // A stale bearer with other settings makes MM refuse ("interface in use"): start clean. The
      // cleanup is best effort (Connect may still succeed); if Connect then fails, its error says
      // what the cleanup met, since that is the likely cause. A stale bearer with these very
      // settings (a network drop leaves one) is the one Connect takes again: deleting it first
      // would only put a round trip before the Connect.
      const cleanup: string[] = [];
      const reusable: string[] = [];
      for (const b of access.view(it.name)?.bearers ?? []) {
        if (b.props.Connected === true || b.props.BearerType === 2) continue;
        if (sameSettings(b.props.Properties, sent)) {
          reusable.push(b.path);
          continue;
        }
        await access.calls.deleteBearer(path, b.path, opts(ctx)).catch((e: unknown) => {
          if (classify(e) !== 'gone') cleanup.push(`deleting stale bearer ${b.path} failed: ${errorText(e)}`);
        });
      }
      let connected: string;
      try {
        connected = await access.calls.connect(path, props, opts(ctx));
      } catch (e) {
        if (cleanup.length > 0 && e instanceof Error) e.message = `${e.message} (${cleanup.join('; ')})`;
        rethrow(e);
      }
      // Not taken after all (another with the same settings was): no stale bearer is left behind.
      for (const b of reusable)
        if (b !== connected) await access.calls.deleteBearer(path, b, opts(ctx)).catch(() => undefined);
    },
    modify: (_o, it, ctx) => connection.create(it, ctx),
    delete: (it, ctx) =>
      undo(access, it.name, async (path) => {
        await access.calls.disconnect(path, '/', opts(ctx));
        for (const b of access.view(it.name)?.bearers ?? []) {
          if (b.props.BearerType === 2) continue; // the attach bearer is not ours to delete
          await access.calls.deleteBearer(path, b.path, opts(ctx)).catch((e) => {
            if (classify(e) !== 'gone') throw e;
          });
        }
      }),
    needsRecreate: (o, n) => connectionRecreate(o, n),
    timeoutMs: 210_000,
  };
  const location = setting<LocationSpec>(async (path, it, ctx) => {
    const sources = it.spec.enabled
      ? ModemLocationSource.Lac3gppCi | ModemLocationSource.GpsRaw | ModemLocationSource.GpsNmea
      : ModemLocationSource.Lac3gppCi;
    await access.calls.locationSetup(path, sources, it.spec.enabled, opts(ctx));
    if (it.spec.enabled && it.spec.refreshSeconds !== undefined)
      await access.calls.setGpsRefreshRate(path, it.spec.refreshSeconds, opts(ctx));
  });
  const signal = setting<SignalSpec>((path, it, ctx) =>
    access.calls.signalSetup(path, it.spec.rateSeconds, opts(ctx)),
  );
  return {
    [RADIO]: radio as Configurator<never>,
    [SIM_SLOT]: simSlot as Configurator<never>,
    [SIM_PIN]: simPin as Configurator<never>,
    [SCAN]: scan as Configurator<never>,
    [REPAIR]: repair as Configurator<never>,
    [MODES]: modes as Configurator<never>,
    [ATTACH]: attach as Configurator<never>,
    [CONNECTION]: connection as Configurator<never>,
    [LOCATION]: location as Configurator<never>,
    [SIGNAL]: signal as Configurator<never>,
  };
}
