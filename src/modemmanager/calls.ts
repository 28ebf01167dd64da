/**
 * Typed ModemManager method calls. Every signature below is copied from ModemManager's
 * introspection XML (/usr/share/dbus-1/interfaces/org.freedesktop.ModemManager1*.xml); a unit
 * test (test/modemmanager/calls-xml.test.ts) checks this table against the installed XML.
 *
 * Timeouts, and why (ModemManager has its own, longer bounds on slow operations; ours must be
 * longer than MM's so that MM's own, descriptive error reaches us instead of our giving up on a
 * call MM still runs, which leaves MM busy and makes the retry fail with Core.InProgress):
 *  - Simple.Connect 200 s: MM bounds a connection attempt at 180 s.
 *  - Modem3gpp.Scan 200 s: MM gives AT+COPS=? 120 s (QMI/MBIM scans are bounded similarly);
 *    EVE uses 3 min.
 *  - Modem.Enable 120 s, SetPowerState / SetPrimarySimSlot 60 s: these run multi-step
 *    AT/QMI sequences (SIM init, radio on, re-probe) that take tens of seconds on slow modules.
 *  - Simple.Disconnect, DeleteBearer, SetInitialEpsBearerSettings 60 s: may detach/reattach.
 *  - Everything else 25 s (libdbus/GDBus default): MM answers them from cached state or with
 *    one short AT/QMI exchange.
 * Callers can override any timeout and pass an AbortSignal.
 */
import { type DBusPlain, isDict, type OutValue, type Typed, typed } from '../dbus/index.js';
import {
  type BearerAllowedAuth,
  type BearerIpFamily,
  IFACE,
  type ModemLocationSource,
  type ModemMode,
  type ModemPowerState,
  type VarDict,
} from './types.js';

export interface MethodSpec {
  readonly iface: string;
  readonly member: string;
  /** Input signature (concatenated `in` args), exactly as in the XML. */
  readonly in: string;
  /** Output signature (concatenated `out` args), exactly as in the XML. */
  readonly out: string;
  readonly timeoutMs: number;
}

const S = 1000;

export const METHODS = {
  scanDevices: { iface: IFACE.manager, member: 'ScanDevices', in: '', out: '', timeoutMs: 25 * S },
  setLogging: { iface: IFACE.manager, member: 'SetLogging', in: 's', out: '', timeoutMs: 25 * S },
  reportKernelEvent: {
    iface: IFACE.manager,
    member: 'ReportKernelEvent',
    in: 'a{sv}',
    out: '',
    timeoutMs: 25 * S,
  },
  enable: { iface: IFACE.modem, member: 'Enable', in: 'b', out: '', timeoutMs: 120 * S },
  setPowerState: { iface: IFACE.modem, member: 'SetPowerState', in: 'u', out: '', timeoutMs: 60 * S },
  setPrimarySimSlot: { iface: IFACE.modem, member: 'SetPrimarySimSlot', in: 'u', out: '', timeoutMs: 60 * S },
  setCurrentModes: { iface: IFACE.modem, member: 'SetCurrentModes', in: '(uu)', out: '', timeoutMs: 25 * S },
  deleteBearer: { iface: IFACE.modem, member: 'DeleteBearer', in: 'o', out: '', timeoutMs: 60 * S },
  listBearers: { iface: IFACE.modem, member: 'ListBearers', in: '', out: 'ao', timeoutMs: 25 * S },
  simpleConnect: { iface: IFACE.simple, member: 'Connect', in: 'a{sv}', out: 'o', timeoutMs: 200 * S },
  simpleDisconnect: { iface: IFACE.simple, member: 'Disconnect', in: 'o', out: '', timeoutMs: 60 * S },
  simpleGetStatus: { iface: IFACE.simple, member: 'GetStatus', in: '', out: 'a{sv}', timeoutMs: 25 * S },
  setInitialEpsBearerSettings: {
    iface: IFACE.modem3gpp,
    member: 'SetInitialEpsBearerSettings',
    in: 'a{sv}',
    out: '',
    timeoutMs: 60 * S,
  },
  scan: { iface: IFACE.modem3gpp, member: 'Scan', in: '', out: 'aa{sv}', timeoutMs: 200 * S },
  profileList: { iface: IFACE.profileManager, member: 'List', in: '', out: 'aa{sv}', timeoutMs: 25 * S },
  signalSetup: { iface: IFACE.signal, member: 'Setup', in: 'u', out: '', timeoutMs: 25 * S },
  locationSetup: { iface: IFACE.location, member: 'Setup', in: 'ub', out: '', timeoutMs: 25 * S },
  reset: { iface: IFACE.modem, member: 'Reset', in: '', out: '', timeoutMs: 25 * S },
  sendPin: { iface: IFACE.sim, member: 'SendPin', in: 's', out: '', timeoutMs: 25 * S },
  setGpsRefreshRate: {
    iface: IFACE.location,
    member: 'SetGpsRefreshRate',
    in: 'u',
    out: '',
    timeoutMs: 25 * S,
  },
  getLocation: { iface: IFACE.location, member: 'GetLocation', in: '', out: 'a{uv}', timeoutMs: 25 * S },
} as const satisfies Record<string, MethodSpec>;

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Sends one call to ModemManager at `path`; supplied by the client (owner, errors, logging). */
export type Invoke = (
  path: string,
  spec: MethodSpec,
  args: readonly OutValue[],
  opts?: CallOptions,
) => Promise<DBusPlain[]>;

/** Simple.Connect / bearer properties (keys and types from MMSimpleConnectProperties / MMBearerProperties). */
export interface ConnectProperties {
  readonly apn: string;
  /** `ip-type` (u). */
  readonly ipType?: BearerIpFamily;
  /** `allowed-auth` (u, not i: MM reads it with g_variant_get_uint32). */
  readonly allowedAuth?: BearerAllowedAuth | number;
  readonly user?: string;
  readonly password?: string;
  /** `allow-roaming` (b). */
  readonly allowRoaming?: boolean;
  /** `apn-type` (u, MMBearerApnType bitmask). */
  readonly apnType?: number;
  /** `profile-id` (i), 1.18+. */
  readonly profileId?: number;
  /** `roaming-allowance` (u), 1.20+. */
  readonly roamingAllowance?: number;
  /** `pin` (s): Simple.Connect only. */
  readonly pin?: string;
  /** `operator-id` (s): Simple.Connect only. */
  readonly operatorId?: string;
}

/** The a{sv} ModemManager expects, every value with its exact type. */
export function bearerDict(p: ConnectProperties): Record<string, Typed> {
  const d: Record<string, Typed> = { apn: typed('s', p.apn) };
  if (p.ipType !== undefined) d['ip-type'] = typed('u', p.ipType);
  if (p.allowedAuth !== undefined) d['allowed-auth'] = typed('u', p.allowedAuth);
  if (p.user !== undefined && p.user !== '') d.user = typed('s', p.user);
  if (p.password !== undefined && p.password !== '') d.password = typed('s', p.password);
  if (p.allowRoaming !== undefined) d['allow-roaming'] = typed('b', p.allowRoaming);
  if (p.apnType !== undefined) d['apn-type'] = typed('u', p.apnType);
  if (p.profileId !== undefined) d['profile-id'] = typed('i', p.profileId);
  if (p.roamingAllowance !== undefined) d['roaming-allowance'] = typed('u', p.roamingAllowance);
  if (p.pin !== undefined) d.pin = typed('s', p.pin);
  if (p.operatorId !== undefined) d['operator-id'] = typed('s', p.operatorId);
  return d;
}

export type SetLoggingLevel = 'ERR' | 'WARN' | 'MSG' | 'INFO' | 'DEBUG';

function dictList(v: DBusPlain | undefined): VarDict[] {
  return Array.isArray(v) ? v.filter(isDict) : [];
}

/** The typed methods. Paths are object paths of the modem (or the manager for manager calls). */
export class ModemManagerCalls {
  constructor(
    private readonly invoke: Invoke,
    private readonly managerPath: string,
  ) {}

  async scanDevices(opts?: CallOptions): Promise<void> {
    await this.invoke(this.managerPath, METHODS.scanDevices, [], opts);
  }

  async setLogging(level: SetLoggingLevel, opts?: CallOptions): Promise<void> {
    await this.invoke(this.managerPath, METHODS.setLogging, [level], opts);
  }

  /** What udev would report (MM built or run without udev); polkit-protected. */
  async reportKernelEvent(
    event: { action: 'add' | 'remove'; name: string; subsystem: string; uid?: string },
    opts?: CallOptions,
  ): Promise<void> {
    const d: Record<string, Typed> = {
      action: typed('s', event.action),
      name: typed('s', event.name),
      subsystem: typed('s', event.subsystem),
    };
    if (event.uid !== undefined) d.uid = typed('s', event.uid);
    await this.invoke(this.managerPath, METHODS.reportKernelEvent, [d], opts);
  }

  async enable(modem: string, enable: boolean, opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.enable, [enable], opts);
  }

  async setPowerState(modem: string, state: ModemPowerState, opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.setPowerState, [state], opts);
  }

  /** 1-based slot. MM re-probes the modem: it comes back under a new object path. */
  async setPrimarySimSlot(modem: string, slot: number, opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.setPrimarySimSlot, [slot], opts);
  }

  /** (allowed, preferred) MMModemMode bitmasks; pick a pair from SupportedModes. */
  async setCurrentModes(
    modem: string,
    allowed: ModemMode | number,
    preferred: ModemMode | number,
    opts?: CallOptions,
  ): Promise<void> {
    await this.invoke(modem, METHODS.setCurrentModes, [[allowed, preferred]], opts);
  }

  async deleteBearer(modem: string, bearer: string, opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.deleteBearer, [bearer], opts);
  }

  async listBearers(modem: string, opts?: CallOptions): Promise<string[]> {
    const [paths] = await this.invoke(modem, METHODS.listBearers, [], opts);
    return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : [];
  }

  /** Simple.Connect: enables, registers and connects as needed; resolves with the bearer path. */
  async connect(modem: string, props: ConnectProperties, opts?: CallOptions): Promise<string> {
    const [bearer] = await this.invoke(modem, METHODS.simpleConnect, [bearerDict(props)], opts);
    if (typeof bearer !== 'string') throw new TypeError('Simple.Connect returned no object path');
    return bearer;
  }

  /** Simple.Disconnect; `bearer` '/' (the default) disconnects every bearer of the modem. */
  async disconnect(modem: string, bearer = '/', opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.simpleDisconnect, [bearer], opts);
  }

  async getStatus(modem: string, opts?: CallOptions): Promise<VarDict> {
    const [st] = await this.invoke(modem, METHODS.simpleGetStatus, [], opts);
    return isDict(st) ? st : {};
  }

  async setInitialEpsBearerSettings(
    modem: string,
    props: ConnectProperties,
    opts?: CallOptions,
  ): Promise<void> {
    const { pin: _pin, operatorId: _op, ...bearer } = props;
    await this.invoke(modem, METHODS.setInitialEpsBearerSettings, [bearerDict(bearer)], opts);
  }

  /** Modem3gpp.Scan: visible networks (`status` u, `operator-long`/`-short`/`-code` s, `access-technology` u). */
  async scan(modem: string, opts?: CallOptions): Promise<VarDict[]> {
    const [results] = await this.invoke(modem, METHODS.scan, [], opts);
    return dictList(results);
  }

  /** Modem3gpp.ProfileManager.List (1.18+). */
  async listProfiles(modem: string, opts?: CallOptions): Promise<VarDict[]> {
    const [profiles] = await this.invoke(modem, METHODS.profileList, [], opts);
    return dictList(profiles);
  }

  /** Signal.Setup: refresh rate in seconds; 0 disables. The Gsm/Umts/Lte/Nr5g dicts fill only when > 0. */
  async signalSetup(modem: string, rateSeconds: number, opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.signalSetup, [rateSeconds], opts);
  }

  async locationSetup(
    modem: string,
    sources: ModemLocationSource | number,
    signalLocation: boolean,
    opts?: CallOptions,
  ): Promise<void> {
    await this.invoke(modem, METHODS.locationSetup, [sources, signalLocation], opts);
  }

  /** Modem.Reset: the modem restarts (it disappears and comes back); not every plugin supports it. */
  async reset(modem: string, opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.reset, [], opts);
  }

  /** Sim.SendPin on the SIM object `sim` (a modem's own Sim property, never another modem's). */
  async sendPin(sim: string, pin: string, opts?: CallOptions): Promise<void> {
    await this.invoke(sim, METHODS.sendPin, [pin], opts);
  }

  async setGpsRefreshRate(modem: string, seconds: number, opts?: CallOptions): Promise<void> {
    await this.invoke(modem, METHODS.setGpsRefreshRate, [seconds], opts);
  }

  /** Location.GetLocation: a{uv}, keyed by MMModemLocationSource (as strings). */
  async getLocation(modem: string, opts?: CallOptions): Promise<VarDict> {
    const [loc] = await this.invoke(modem, METHODS.getLocation, [], opts);
    return isDict(loc) ? loc : {};
  }
}
