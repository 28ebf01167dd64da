/**
 * One simulated modem: its object (/Modem/N with Modem, Simple, Modem3gpp, ProfileManager, Signal,
 * Location), its SIMs and bearers, the state machine and the fault hooks. D-Bus argument handling is
 * in modem-ifaces.ts; this class holds the behaviour.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Bearer, emptyIpConfig, staticIpConfig } from './bearer.js';
import {
  accessTechMask,
  availability,
  ipFamily,
  isRegistered,
  portType,
  powerState,
  registrationState,
} from './convert.js';
import {
  AccessTechnology,
  BearerIpFamily,
  BearerType,
  LocationSource,
  Modem3gppPacketServiceState,
  Modem3gppRegistrationState,
  ModemCapability,
  ModemLock,
  ModemMode,
  ModemState,
  ModemStateChangeReason,
  ModemStateFailedReason,
  PowerState,
} from './enums.js';
import { MMError, mmError } from './errors.js';
import type { SimInterface } from './iface.js';
import { buildModemInterfaces, type ModemInterfaces } from './modem-ifaces.js';
import { NO_OBJECT } from './names.js';
import { bearerPart, num, str, validateProps } from './props.js';
import { locationValues, RAT_PROPERTY, type Rat, signalDict } from './signal-location.js';
import { SimCard } from './sim.js';
import { StateMachine, stableState } from './state-machine.js';
import type {
  IpTypeName,
  LocationSpec,
  ModemSpec,
  NetworkSpec,
  ProfileSpec,
  ScanResultSpec,
  SignalSpec,
  SignalValues,
  SimSpec,
  Timing,
} from './types.js';
import { canonical, Variant, type VariantDict, v } from './wire.js';

/** What a modem needs from the simulator that owns it. */
export interface ModemHost {
  readonly timing: Timing;
  exportObject(path: string, ifaces: SimInterface[]): void;
  unexportObject(path: string): void;
  allocBearerPath(): string;
  allocSimPath(): string;
  /** Remove the modem and add it back (new path) from `spec` after the probe delay. */
  reprobe(modem: Modem, spec: ModemSpec): void;
}

export interface ConnectFault {
  readonly errorName: string;
  readonly message: string;
}

export class Modem {
  readonly path: string;
  readonly index: number;
  /** The spec the modem was created from, updated by scripted changes (used for replug). */
  spec: ModemSpec;
  readonly ifaces: ModemInterfaces;
  readonly sm: StateMachine;
  readonly #host: ModemHost;
  readonly #bearers = new Map<string, Bearer>();
  #slots: (SimCard | null)[] = [];
  #primarySlot: number;
  #network: NetworkSpec;
  #enabled = false;
  #registered = false;
  #failed = false;
  #busy: 'enabling' | 'disabling' | undefined;
  #connecting = false;
  #alive = true;
  #connectFaults: ConnectFault[] = [];
  #deferredDrop: NodeJS.Timeout | undefined;
  #initialEps: Bearer | undefined;
  #initialEpsSettings: VariantDict = {};

  constructor(host: ModemHost, index: number, path: string, spec: ModemSpec) {
    this.#host = host;
    this.index = index;
    this.path = path;
    this.spec = spec;
    this.#network = { ...(spec.network ?? {}) };
    const multi = spec.simSlots !== undefined;
    // An unspecified SIM means "a working SIM" (tests rarely care); `sim: null` means an empty slot.
    const single = spec.sim === undefined ? defaultSim(index) : spec.sim;
    const slotSpecs: (SimSpec | null)[] = multi ? [...(spec.simSlots ?? [])] : [single];
    this.#primarySlot = multi ? (spec.primarySimSlot ?? 1) : 1;
    if (this.#primarySlot < 1 || this.#primarySlot > slotSpecs.length) {
      throw new Error(`mmsim: primarySimSlot ${this.#primarySlot} outside 1..${slotSpecs.length}`);
    }
    // MM exports the SIM objects before the modem that references them.
    this.#slots = slotSpecs.map((s, i) => (s ? this.#newSim(s, i + 1 === this.#primarySlot) : null));
    const primary = this.#primarySim();
    this.#failed = primary === null;
    const modemProps = this.#initialModemProps(multi);
    this.ifaces = buildModemInterfaces(this, modemProps, {
      imei: modemProps.EquipmentIdentifier as string,
      locationCapabilities:
        spec.locationCapabilities ??
        LocationSource['3GPP_LAC_CI'] | LocationSource.GPS_RAW | LocationSource.GPS_NMEA,
    });
    this.sm = new StateMachine(this.ifaces.modem);
  }

  // ---- facts -------------------------------------------------------------------------------

  get state(): number {
    return this.sm.state;
  }

  get alive(): boolean {
    return this.#alive;
  }

  get bearers(): Bearer[] {
    return [...this.#bearers.values()];
  }

  get sims(): (SimCard | null)[] {
    return [...this.#slots];
  }

  get network(): NetworkSpec {
    return this.#network;
  }

  /** Registered as published (Modem3gpp), not merely "the network would accept us". */
  get registered(): boolean {
    return this.#enabled && this.#registered;
  }

  #primarySim(): SimCard | null {
    return this.#slots[this.#primarySlot - 1] ?? null;
  }

  #facts() {
    const sim = this.#primarySim();
    return {
      failed: this.#failed,
      locked: sim?.locked ?? false,
      enabled: this.#enabled,
      connected: this.bearers.some((b) => b.connected),
      registered: this.registered,
      searching: this.#enabled && (this.#network.registration ?? 'home') === 'searching',
    };
  }

  /** Settles as if `gone` were already disconnected (to publish the modem state first). */
  #settleWithout(gone: Bearer | Bearer[], reason: number): void {
    const list = Array.isArray(gone) ? gone : [gone];
    const facts = { ...this.#facts(), connected: this.bearers.some((b) => b.connected && !list.includes(b)) };
    if (this.#alive) this.sm.set(stableState(facts), reason);
  }

  /** Moves to the stable state implied by the facts. */
  settle(reason: number = ModemStateChangeReason.UNKNOWN): void {
    if (!this.#alive) return;
    this.sm.set(stableState(this.#facts()), reason);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Exports the modem object (announced through the ObjectManager). */
  attach(): void {
    // MM exports a modem once it is initialised: its first State is already the stable one.
    this.settle();
    this.#host.exportObject(this.path, this.ifaces.all);
    if (this.spec.enabled) void this.enable(true).catch(() => {});
  }

  /** Removes the modem, its bearers and SIMs from the bus (hot-unplug). */
  detach(): void {
    if (!this.#alive) return;
    this.#alive = false;
    // An operation waiting for the network (Simple.Connect) ends now, as MM's does when its ports go.
    this.sm.recheck();
    clearTimeout(this.#deferredDrop);
    for (const b of this.bearers) this.#host.unexportObject(b.path);
    this.#bearers.clear();
    if (this.#initialEps) this.#host.unexportObject(this.#initialEps.path);
    this.#host.unexportObject(this.path);
    for (const s of this.#slots) if (s) this.#host.unexportObject(s.path);
  }

  async #step(): Promise<void> {
    await sleep(this.#host.timing.step);
    if (!this.#alive) throw mmError(MMError.Aborted, 'Modem was removed');
  }

  // ---- Modem -------------------------------------------------------------------------------

  async enable(enable: boolean): Promise<void> {
    if (enable) return this.#enable();
    return this.#disable();
  }

  async #enable(): Promise<void> {
    if (this.#failed) throw mmError(MMError.WrongState, 'Cannot enable modem: modem in failed state');
    if (this.#primarySim()?.locked) throw mmError(MMError.WrongState, 'Cannot enable modem: device locked');
    if (this.#busy === 'enabling')
      throw mmError(MMError.InProgress, 'Cannot enable modem: already being enabled');
    if (this.#busy === 'disabling')
      throw mmError(MMError.WrongState, 'Cannot enable modem: currently being disabled');
    if (this.#enabled) return;
    this.#busy = 'enabling';
    try {
      this.sm.set(ModemState.ENABLING, ModemStateChangeReason.USER_REQUESTED);
      await this.#step();
      this.ifaces.modem.update({ PowerState: PowerState.ON });
      // MM turns 3GPP LAC/CI location gathering on by default when enabling (seen on the kit).
      const caps = this.ifaces.location.prop('Capabilities') as number;
      const enabled = this.ifaces.location.prop('Enabled') as number;
      this.ifaces.location.update({ Enabled: enabled | (caps & LocationSource['3GPP_LAC_CI']) });
      this.#enabled = true;
      this.ifaces.modem3gpp.update({ RegistrationState: Modem3gppRegistrationState.IDLE });
      this.sm.set(ModemState.ENABLED, ModemStateChangeReason.USER_REQUESTED);
    } finally {
      this.#busy = undefined;
    }
    // MM's Enable returns once enabled; network registration proceeds in the background.
    void this.#register().catch(() => {});
  }

  async #register(): Promise<void> {
    const reg = this.#network.registration ?? 'home';
    if (reg === 'idle') return;
    const search = this.#host.timing.search;
    if (search > 0 || !isRegistered(reg)) {
      this.ifaces.modem3gpp.update({ RegistrationState: Modem3gppRegistrationState.SEARCHING });
      this.sm.set(ModemState.SEARCHING);
      await sleep(search);
      if (!this.#alive) return;
    }
    if (!this.#enabled) return;
    const now = this.#network.registration ?? 'home';
    if (isRegistered(now)) {
      this.#applyRegistration();
      return;
    }
    this.#clearRegistration(registrationState(now));
    this.settle();
  }

  async #disable(): Promise<void> {
    if (this.#busy === 'disabling')
      throw mmError(MMError.InProgress, 'Cannot disable modem: already being disabled');
    if (!this.#enabled && this.#busy !== 'enabling') return;
    this.#busy = 'disabling';
    try {
      this.sm.set(ModemState.DISABLING, ModemStateChangeReason.USER_REQUESTED);
      for (const b of this.bearers) if (b.connected) b.markDisconnected();
      this.#removeInitialEpsBearer();
      await this.#step();
      this.#enabled = false;
      this.#clearRegistration(Modem3gppRegistrationState.UNKNOWN);
      // As observed on the kit: location gathering stops, signal quality reads (0, recent).
      this.ifaces.location.update({ Enabled: 0 });
      this.ifaces.modem.update({ SignalQuality: [0, true] });
      this.#refreshSignal();
      this.sm.set(ModemState.DISABLED, ModemStateChangeReason.USER_REQUESTED);
    } finally {
      this.#busy = undefined;
    }
  }

  /** MM's generic modems answer Reset with Unsupported; most real modems do too. */
  reset(): void {
    throw mmError(MMError.Unsupported, 'Cannot reset the modem: operation not supported');
  }

  setPowerState(state: number): void {
    if (state !== PowerState.ON && state !== PowerState.LOW && state !== PowerState.OFF) {
      throw mmError(MMError.InvalidArgs, `Cannot set power state: invalid power state ${state}`);
    }
    if (this.state > ModemState.DISABLED) {
      throw mmError(MMError.WrongState, 'Cannot set power state: not in disabled or failed state');
    }
    this.ifaces.modem.update({ PowerState: state });
  }

  setCurrentModes(modes: readonly unknown[]): void {
    const [allowed, preferred] = modes as [number, number];
    const supported = this.ifaces.modem.prop('SupportedModes') as [number, number][];
    const ok =
      (allowed === ModemMode.ANY && preferred === ModemMode.NONE) ||
      supported.some(([a, p]) => a === allowed && p === preferred);
    if (!ok) {
      throw mmError(
        MMError.Unsupported,
        'The given combination of allowed and preferred modes is not supported',
      );
    }
    const value = allowed === ModemMode.ANY ? supported[supported.length - 1] : [allowed, preferred];
    this.ifaces.modem.update({ CurrentModes: value });
  }

  setPrimarySimSlot(slot: number): void {
    const slots = this.ifaces.modem.prop('SimSlots') as string[];
    if (slots.length === 0) throw mmError(MMError.Unsupported, 'Cannot switch sim: operation not supported');
    if (slot < 1 || slot > slots.length) {
      throw mmError(MMError.InvalidArgs, `Cannot switch sim: requested SIM slot ${slot} is out of range`);
    }
    if (slot === this.#primarySlot) return;
    // MM re-probes the modem after a slot switch: it reappears under a new object path.
    this.#host.reprobe(this, { ...this.spec, primarySimSlot: slot, enabled: false });
  }

  createBearer(dict: unknown): string {
    const props = validateProps(dict, 'bearer');
    return this.#createBearer(bearerPart(props)).path;
  }

  /** MM 1.20 publishes MaxBearers but does not refuse more (the kit accepted 4 with MaxBearers 2). */
  #createBearer(props: VariantDict): Bearer {
    const path = this.#host.allocBearerPath();
    const bearer = new Bearer(path, props, {
      connect: (b) => this.connectBearer(b),
      disconnect: (b) => this.disconnectBearer(b),
    });
    this.#bearers.set(path, bearer);
    this.#host.exportObject(path, [bearer.iface]);
    this.#publishBearers();
    return bearer;
  }

  async deleteBearer(path: string): Promise<void> {
    const bearer = this.#bearers.get(path);
    if (!bearer)
      throw mmError(MMError.InvalidArgs, `Cannot delete bearer: no bearer found with path '${path}'`);
    if (bearer.connected) await this.disconnectBearer(bearer);
    this.#bearers.delete(path);
    this.#host.unexportObject(path);
    this.#publishBearers();
  }

  #publishBearers(): void {
    this.ifaces.modem.update({ Bearers: [...this.#bearers.keys()] });
  }

  // ---- connection --------------------------------------------------------------------------

  async simpleConnect(dict: unknown): Promise<string> {
    const props = validateProps(dict, 'simple-connect');
    if (this.#connecting) {
      throw mmError(MMError.InProgress, 'Connection request forbidden: operation already in progress');
    }
    this.#connecting = true;
    try {
      if (this.#failed) throw mmError(MMError.WrongState, 'Modem in failed state');
      const sim = this.#primarySim();
      if (sim?.locked) {
        const pin = str(props, 'pin');
        if (pin === undefined) throw mmError(MMError.SimPin, 'SIM PIN required');
        if (!sim.unlock(pin)) throw mmError(MMError.IncorrectPassword, 'Incorrect password');
        this.#unlocked();
      }
      if (!this.#enabled) await this.#enable();
      const ok = await this.sm.waitFor(
        () => this.registered || !this.#alive,
        this.#host.timing.registrationWait,
      );
      if (!this.#alive) throw mmError(MMError.Aborted, 'Modem was removed');
      if (!ok) throw mmError(MMError.NetworkTimeout, 'Network timeout');
      const wanted = bearerPart(props);
      const key = canonical(wanted);
      let bearer = this.bearers.find((b) => canonical(b.properties) === key);
      if (!bearer) bearer = this.#createBearer(wanted);
      if (!bearer.connected) await this.#connect(bearer);
      return bearer.path;
    } finally {
      this.#connecting = false;
    }
  }

  /** Bearer.Connect */
  async connectBearer(bearer: Bearer): Promise<void> {
    if (bearer.connected) return;
    if (!this.registered) throw mmError(MMError.WrongState, 'Not allowed to connect bearer: not registered');
    await this.#connect(bearer);
  }

  async #connect(bearer: Bearer): Promise<void> {
    const profileId = num(bearer.properties, 'profile-id') ?? -1;
    if (str(bearer.properties, 'apn') === undefined && profileId < 0) {
      throw mmError(MMError.InvalidArgs, '3GPP connection logic requires APN or profile id setting');
    }
    // MM's modem state is CONNECTED while any bearer is: a second bearer connects silently.
    if (!this.bearers.some((b) => b.connected)) {
      this.sm.set(ModemState.CONNECTING, ModemStateChangeReason.USER_REQUESTED);
    }
    try {
      await this.#step();
    } catch (e) {
      this.settle();
      throw e;
    }
    const fault = this.#connectFaults.shift() ?? this.#networkFault(bearer);
    if (fault) {
      bearer.markFailed(fault.errorName, fault.message);
      this.settle(ModemStateChangeReason.FAILURE);
      throw mmError(fault.errorName, fault.message);
    }
    const { ip4, ip6 } = this.#ipConfigs(bearer);
    bearer.markConnected(this.spec.bearer?.interface ?? 'wwan0', ip4, ip6, profileId >= 0 ? profileId : 1);
    this.settle(ModemStateChangeReason.USER_REQUESTED);
  }

  #requestedFamily(bearer: Bearer): number {
    const requested = num(bearer.properties, 'ip-type');
    if (requested !== undefined && requested !== BearerIpFamily.ANY && requested !== BearerIpFamily.NONE) {
      return requested;
    }
    const ip = this.spec.bearer;
    const fallback: IpTypeName = ip?.ipv4 && ip?.ipv6 ? 'ipv4v6' : ip?.ipv6 ? 'ipv6' : 'ipv4';
    return ipFamily(fallback);
  }

  #networkFault(bearer: Bearer): ConnectFault | undefined {
    const need = this.spec.credentials;
    if (
      need &&
      (str(bearer.properties, 'user') !== need.user || str(bearer.properties, 'password') !== need.password)
    ) {
      return { errorName: MMError.UserAuthenticationFailed, message: 'User authentication failed' };
    }
    const fam = this.#requestedFamily(bearer);
    const ip = this.spec.bearer ?? {};
    if (fam === BearerIpFamily.IPV6 && !ip.ipv6 && ip.ipv4) {
      return { errorName: MMError.Ipv4OnlyAllowed, message: 'IPv4 only allowed' };
    }
    if (fam === BearerIpFamily.IPV4 && !ip.ipv4 && ip.ipv6) {
      return { errorName: MMError.Ipv6OnlyAllowed, message: 'IPv6 only allowed' };
    }
    if (fam === BearerIpFamily.NON_IP)
      return { errorName: MMError.Unsupported, message: 'Non-IP not supported' };
    return undefined;
  }

  #ipConfigs(bearer: Bearer): { ip4: VariantDict; ip6: VariantDict } {
    const fam = this.#requestedFamily(bearer);
    const ip = this.spec.bearer ?? {};
    const want4 = fam === BearerIpFamily.IPV4 || fam === BearerIpFamily.IPV4V6;
    const want6 = fam === BearerIpFamily.IPV6 || fam === BearerIpFamily.IPV4V6;
    return {
      ip4: want4 && ip.ipv4 ? staticIpConfig(ip.ipv4) : emptyIpConfig(),
      ip6: want6 && ip.ipv6 ? staticIpConfig(ip.ipv6) : emptyIpConfig(),
    };
  }

  /** Bearer.Disconnect and the per-bearer part of Simple.Disconnect. */
  async disconnectBearer(bearer: Bearer): Promise<void> {
    if (!bearer.connected) return;
    const lastOne = this.bearers.filter((b) => b.connected).length === 1;
    if (lastOne) this.sm.set(ModemState.DISCONNECTING, ModemStateChangeReason.USER_REQUESTED);
    await sleep(this.#host.timing.step);
    // Real MM publishes the modem's new state before the bearer's Connected=false.
    this.#settleWithout(bearer, ModemStateChangeReason.USER_REQUESTED);
    bearer.markDisconnected();
  }

  async simpleDisconnect(path: string): Promise<void> {
    if (path === NO_OBJECT || path === '') {
      for (const b of this.bearers) await this.disconnectBearer(b);
      return;
    }
    const bearer = this.#bearers.get(path);
    if (!bearer) throw mmError(MMError.InvalidArgs, `Couldn't disconnect bearer '${path}': not found`);
    await this.disconnectBearer(bearer);
  }

  simpleStatus(): VariantDict {
    const out: VariantDict = { state: v.i(this.state) };
    if (this.state >= ModemState.REGISTERED) {
      const m = this.ifaces.modem;
      const g = this.ifaces.modem3gpp;
      out['signal-quality'] = new Variant('(ub)', m.prop('SignalQuality'));
      out['current-bands'] = new Variant('au', m.prop('CurrentBands'));
      out['access-technologies'] = v.u(m.prop('AccessTechnologies') as number);
      out['m3gpp-registration-state'] = v.u(g.prop('RegistrationState') as number);
      out['m3gpp-operator-code'] = v.s(g.prop('OperatorCode') as string);
      out['m3gpp-operator-name'] = v.s(g.prop('OperatorName') as string);
    }
    return out;
  }

  // ---- faults and scripted changes ------------------------------------------------------------

  failNextConnect(errorName: string, message: string, times = 1): void {
    for (let i = 0; i < times; i++) this.#connectFaults.push({ errorName, message });
  }

  /** Drops the connect failures still queued: the next connect succeeds. */
  clearConnectFaults(): void {
    this.#connectFaults.length = 0;
  }

  /** Network-initiated disconnect: Connected=false with a ConnectionError, no DISCONNECTING step. */
  dropBearer(errorName: string, message: string, path?: string): string[] {
    const victims = this.bearers.filter((b) => b.connected && (path === undefined || b.path === path));
    if (victims.length === 0) return [];
    // Observed on MM 1.20 (kit, network-initiated drop): StateChanged(11, 8, USER_REQUESTED) first,
    // then the bearer's Connected=false with ConnectionError.
    this.#settleWithout(victims, ModemStateChangeReason.USER_REQUESTED);
    for (const b of victims) b.markDisconnected({ name: errorName, message });
    return victims.map((b) => b.path);
  }

  setRegistration(change: NetworkSpec): void {
    this.#network = { ...this.#network, ...change };
    this.spec = { ...this.spec, network: this.#network };
    if (!this.#enabled) return;
    if (isRegistered(this.#network.registration ?? 'home')) {
      clearTimeout(this.#deferredDrop);
      this.#deferredDrop = undefined;
      this.#applyRegistration();
      return;
    }
    this.#clearRegistration(registrationState(this.#network.registration ?? 'idle'));
    this.#removeInitialEpsBearer();
    this.settle();
    // MM drops connected bearers after BEARER_DEFERRED_UNREGISTRATION_TIMEOUT.
    if (this.bearers.some((b) => b.connected) && !this.#deferredDrop) {
      this.#deferredDrop = setTimeout(() => {
        this.#deferredDrop = undefined;
        if (!this.registered) this.dropBearer(MMError.NoNetwork, 'Not registered in the network');
      }, this.#host.timing.deferredUnregistration);
    }
  }

  #applyRegistration(): void {
    const n = this.#network;
    this.#registered = isRegistered(n.registration ?? 'home');
    const tech = accessTechMask(n.accessTechnologies ?? ['lte']);
    this.ifaces.modem.update({ AccessTechnologies: tech, SignalQuality: [n.signalQuality ?? 80, true] });
    this.ifaces.modem3gpp.update({
      RegistrationState: registrationState(n.registration ?? 'home'),
      OperatorCode: n.operatorCode ?? '',
      OperatorName: n.operatorName ?? '',
      PacketServiceState: Modem3gppPacketServiceState.ATTACHED,
    });
    this.#refreshSignal();
    if (this.spec.initialEpsBearer && tech & (AccessTechnology.LTE | AccessTechnology['5GNR'])) {
      this.#exportInitialEpsBearer();
    }
    this.settle();
  }

  #clearRegistration(reg: number): void {
    this.#registered = false;
    this.ifaces.modem.update({ AccessTechnologies: 0 });
    this.ifaces.modem3gpp.update({
      RegistrationState: reg,
      OperatorCode: '',
      OperatorName: '',
      PacketServiceState: Modem3gppPacketServiceState.DETACHED,
    });
  }

  #exportInitialEpsBearer(): void {
    if (this.#initialEps) return;
    const settings = Object.keys(this.#initialEpsSettings).length > 0 ? this.#initialEpsSettings : {};
    const b = new Bearer(
      this.#host.allocBearerPath(),
      settings,
      { connect: async () => {}, disconnect: async () => {} },
      BearerType.DEFAULT_ATTACH,
    );
    b.iface.update({ Connected: true });
    this.#initialEps = b;
    this.#host.exportObject(b.path, [b.iface]);
    this.ifaces.modem3gpp.update({ InitialEpsBearer: b.path });
  }

  #removeInitialEpsBearer(): void {
    if (!this.#initialEps) return;
    this.#host.unexportObject(this.#initialEps.path);
    this.#initialEps = undefined;
    this.ifaces.modem3gpp.update({ InitialEpsBearer: NO_OBJECT });
  }

  setInitialEpsBearerSettings(dict: unknown): void {
    this.#initialEpsSettings = validateProps(dict, 'bearer');
    this.ifaces.modem3gpp.update({ InitialEpsBearerSettings: this.#initialEpsSettings });
    this.#initialEps?.iface.update({ Properties: this.#initialEpsSettings });
  }

  register(operatorId: string): void {
    if (!this.#enabled) throw mmError(MMError.WrongState, 'Cannot register modem: not yet enabled');
    if (operatorId === '' || operatorId === this.#network.operatorCode) return;
    const cand = (this.spec.scanResults ?? []).find(
      (r) => r.operatorCode === operatorId && (r.status ?? 'available') !== 'forbidden',
    );
    if (!cand) throw mmError(MMError.NoNetwork, 'No network service');
    this.setRegistration({
      registration: 'home',
      operatorCode: cand.operatorCode,
      operatorName: cand.operatorLong ?? cand.operatorShort ?? '',
    });
  }

  async scan(): Promise<VariantDict[]> {
    if (!this.#enabled) throw mmError(MMError.WrongState, `modem in ${stateNick(this.state)} state`);
    await sleep(this.#host.timing.scan);
    if (!this.#alive) throw mmError(MMError.Aborted, 'Modem was removed');
    return (this.spec.scanResults ?? []).map((r) => {
      const out: VariantDict = {
        'operator-code': v.s(r.operatorCode),
        status: v.u(availability(r.status ?? 'available')),
      };
      if (r.operatorLong !== undefined) out['operator-long'] = v.s(r.operatorLong);
      if (r.operatorShort !== undefined) out['operator-short'] = v.s(r.operatorShort);
      if (r.accessTechnology) out['access-technology'] = v.u(accessTechMask([r.accessTechnology]));
      return out;
    });
  }

  setScanResults(results: readonly ScanResultSpec[]): void {
    this.spec = { ...this.spec, scanResults: [...results] };
  }

  listProfiles(): VariantDict[] {
    return (this.spec.profiles ?? []).map((p) => {
      const out: VariantDict = {
        'profile-id': v.i(p.profileId),
        apn: v.s(p.apn),
        'ip-type': v.u(ipFamily(p.ipType ?? 'ipv4v6')),
      };
      // Only when known: the kit's MM lists profiles without apn-type.
      if (p.apnType !== undefined) out['apn-type'] = v.u(p.apnType);
      if (p.profileName !== undefined) out['profile-name'] = v.s(p.profileName);
      return out;
    });
  }

  setProfiles(profiles: readonly ProfileSpec[]): void {
    this.spec = { ...this.spec, profiles: [...profiles] };
    this.ifaces.emitProfilesUpdated();
  }

  // ---- signal ------------------------------------------------------------------------------

  signalSetup(rate: number): void {
    this.ifaces.signal.update({ Rate: rate });
    this.#refreshSignal();
  }

  setSignal(rat: Rat, values: SignalValues | undefined): void {
    const signal: SignalSpec = { ...(this.spec.signal ?? {}), [rat]: values };
    this.spec = { ...this.spec, signal };
    this.#refreshSignal();
  }

  /** MM only fills the per-RAT dictionaries after Setup(rate > 0), and only while enabled. */
  #refreshSignal(): void {
    const on = (this.ifaces.signal.prop('Rate') as number) > 0 && this.#enabled;
    const changes: Record<string, unknown> = {};
    for (const rat of ['gsm', 'umts', 'lte', 'nr5g'] as const) {
      changes[RAT_PROPERTY[rat]] = on ? signalDict(rat, this.spec.signal?.[rat]) : {};
    }
    this.ifaces.signal.update(changes);
  }

  // ---- location ----------------------------------------------------------------------------

  locationSetup(sources: number, signalLocation: boolean): void {
    const caps = this.ifaces.location.prop('Capabilities') as number;
    if ((sources & ~caps) !== 0) {
      throw mmError(
        MMError.Unsupported,
        `Cannot enable unsupported location sources: '${sourceNames(sources & ~caps)}'`,
      );
    }
    this.ifaces.location.update({ Enabled: sources, SignalsLocation: signalLocation });
    this.#refreshLocation();
  }

  getLocation(): Record<number, Variant> {
    return locationValues(this.spec.location, this.ifaces.location.prop('Enabled') as number);
  }

  setGpsRefreshRate(rate: number): void {
    this.ifaces.location.update({ GpsRefreshRate: rate });
  }

  setLocation(location: LocationSpec): void {
    this.spec = { ...this.spec, location: { ...(this.spec.location ?? {}), ...location } };
    this.#refreshLocation();
  }

  /** The Location property is only kept up to date when SignalsLocation is true. */
  #refreshLocation(): void {
    const signals = this.ifaces.location.prop('SignalsLocation') as boolean;
    this.ifaces.location.update({ Location: signals ? this.getLocation() : {} });
  }

  // ---- SIM ---------------------------------------------------------------------------------

  #newSim(spec: SimSpec, active: boolean): SimCard {
    const sim = new SimCard(
      this.#host.allocSimPath(),
      spec,
      active,
      () => this.#unlocked(),
      (left) => this.#wrongPin(spec, left),
    );
    this.#host.exportObject(sim.path, [sim.iface]);
    return sim;
  }

  /** UnlockRetries as a modem reports them for a locked SIM (none when the spec says MM cannot tell). */
  #unlockRetries(spec: SimSpec, pinLeft: number): Record<number, number> {
    return spec.pinRetries === null ? {} : { [ModemLock.SIM_PIN]: pinLeft, [ModemLock.SIM_PUK]: 10 };
  }

  #wrongPin(spec: SimSpec, left: number): void {
    this.ifaces.modem.update({
      UnlockRequired: left > 0 ? ModemLock.SIM_PIN : ModemLock.SIM_PUK,
      UnlockRetries: this.#unlockRetries(spec, left),
    });
  }

  #unlocked(): void {
    this.ifaces.modem.update({ UnlockRequired: ModemLock.NONE, UnlockRetries: {} });
    this.settle();
  }

  /** The SIM in `slot` (default: the primary) is pulled out. */
  removeSim(slot = this.#primarySlot): void {
    const sim = this.#slots[slot - 1];
    if (!sim) return;
    this.#slots[slot - 1] = null;
    this.#host.unexportObject(sim.path);
    const multi = (this.ifaces.modem.prop('SimSlots') as string[]).length > 0;
    if (multi) this.ifaces.modem.update({ SimSlots: this.#slots.map((s) => s?.path ?? NO_OBJECT) });
    if (slot !== this.#primarySlot) return;
    this.dropBearer(MMError.SimNotInserted, 'SIM not inserted');
    this.#removeInitialEpsBearer();
    this.#enabled = false;
    this.#failed = true;
    this.#clearRegistration(Modem3gppRegistrationState.UNKNOWN);
    this.ifaces.modem.update({
      Sim: NO_OBJECT,
      StateFailedReason: ModemStateFailedReason.SIM_MISSING,
      UnlockRequired: ModemLock.UNKNOWN,
    });
    this.settle(ModemStateChangeReason.FAILURE);
  }

  /** A SIM is inserted into `slot` (default: the primary); the modem leaves FAILED as disabled. */
  insertSim(spec: SimSpec, slot = this.#primarySlot): string {
    if (this.#slots[slot - 1]) throw new Error(`mmsim: slot ${slot} is not empty`);
    if (slot < 1 || slot > this.#slots.length) throw new Error(`mmsim: no SIM slot ${slot}`);
    const sim = this.#newSim(spec, slot === this.#primarySlot);
    this.#slots[slot - 1] = sim;
    const multi = (this.ifaces.modem.prop('SimSlots') as string[]).length > 0;
    if (multi) this.ifaces.modem.update({ SimSlots: this.#slots.map((s) => s?.path ?? NO_OBJECT) });
    if (slot === this.#primarySlot) {
      this.#failed = false;
      this.ifaces.modem.update({
        Sim: sim.path,
        StateFailedReason: ModemStateFailedReason.NONE,
        UnlockRequired: sim.locked ? ModemLock.SIM_PIN : ModemLock.NONE,
      });
      this.settle();
    }
    return sim.path;
  }

  // ---- initial properties ------------------------------------------------------------------

  #initialModemProps(multi: boolean): Record<string, unknown> {
    const s = this.spec;
    const sim = this.#primarySim();
    const modes = (
      s.supportedModes ?? [
        [ModemMode['2G'] | ModemMode['3G'] | ModemMode['4G'], ModemMode.NONE],
        [ModemMode['4G'], ModemMode.NONE],
      ]
    ).map(([a, p]) => [a, p]);
    const lastMode = modes[modes.length - 1] ?? [ModemMode.ANY, ModemMode.NONE];
    const caps = ModemCapability.GSM_UMTS | ModemCapability.LTE;
    const imei = s.imei ?? `35000000000${String(this.index).padStart(4, '0')}`;
    const primaryPort = s.primaryPort ?? 'cdc-wdm0';
    const ports = (
      s.ports ?? [
        { name: primaryPort, type: 'qmi' as const },
        { name: s.bearer?.interface ?? 'wwan0', type: 'net' as const },
      ]
    ).map((p) => [p.name, portType(p.type)]);
    return {
      Sim: sim?.path ?? NO_OBJECT,
      SimSlots: multi ? this.#slots.map((x) => x?.path ?? NO_OBJECT) : [],
      PrimarySimSlot: multi ? this.#primarySlot : 0,
      Bearers: [],
      SupportedCapabilities: [caps],
      CurrentCapabilities: caps,
      MaxBearers: s.maxBearers ?? 4,
      MaxActiveBearers: s.maxBearers ?? 4,
      MaxActiveMultiplexedBearers: 0,
      Manufacturer: s.manufacturer ?? 'Simulated Modems Inc.',
      Model: s.model ?? 'SIM-LTE-1',
      Revision: s.revision ?? '1.0.0',
      CarrierConfiguration: '',
      CarrierConfigurationRevision: '',
      HardwareRevision: s.hardwareRevision ?? '',
      DeviceIdentifier: s.deviceIdentifier ?? `mmsim-${imei}`,
      Device: s.device ?? `/sys/devices/pci0000:00/0000:00:14.0/usb1/1-${this.index + 1}`,
      Drivers: [...(s.drivers ?? ['qmi_wwan'])],
      Plugin: s.plugin ?? 'generic',
      PrimaryPort: primaryPort,
      Ports: ports,
      EquipmentIdentifier: imei,
      UnlockRequired: sim ? (sim.locked ? ModemLock.SIM_PIN : ModemLock.NONE) : ModemLock.UNKNOWN,
      UnlockRetries: sim?.locked ? this.#unlockRetries(sim.spec, sim.pinRetries) : {},
      State: ModemState.UNKNOWN,
      StateFailedReason: sim ? ModemStateFailedReason.NONE : ModemStateFailedReason.SIM_MISSING,
      AccessTechnologies: 0,
      SignalQuality: [0, true],
      OwnNumbers: [...(s.ownNumbers ?? [])],
      PowerState: powerState(s.powerState ?? 'on'),
      SupportedModes: modes,
      CurrentModes: s.currentModes ? [...s.currentModes] : lastMode,
      // MM_MODEM_BAND_UNKNOWN: what MM reports when the modem gives no band information.
      SupportedBands: [0],
      CurrentBands: [0],
      SupportedIpFamilies: BearerIpFamily.IPV4 | BearerIpFamily.IPV6 | BearerIpFamily.IPV4V6,
    };
  }
}

function defaultSim(index: number): SimSpec {
  const n = String(index).padStart(4, '0');
  return {
    iccid: `898811000000000${n}`,
    imsi: `00101000000${n}`,
    operatorId: '00101',
    operatorName: 'SimNet',
  };
}

const SOURCE_NICKS: readonly [number, string][] = [
  [LocationSource['3GPP_LAC_CI'], '3gpp-lac-ci'],
  [LocationSource.GPS_RAW, 'gps-raw'],
  [LocationSource.GPS_NMEA, 'gps-nmea'],
  [LocationSource.CDMA_BS, 'cdma-bs'],
  [LocationSource.GPS_UNMANAGED, 'gps-unmanaged'],
  [LocationSource.AGPS_MSA, 'agps-msa'],
  [LocationSource.AGPS_MSB, 'agps-msb'],
];

/** MMModemLocationSource bits as MM names them in messages, e.g. "gps-raw, agps-msb". */
function sourceNames(mask: number): string {
  return SOURCE_NICKS.filter(([bit]) => mask & bit)
    .map(([, nick]) => nick)
    .join(', ');
}

const STATE_NICKS: Readonly<Record<number, string>> = {
  [ModemState.FAILED]: 'failed',
  [ModemState.UNKNOWN]: 'unknown',
  [ModemState.INITIALIZING]: 'initializing',
  [ModemState.LOCKED]: 'locked',
  [ModemState.DISABLED]: 'disabled',
  [ModemState.DISABLING]: 'disabling',
  [ModemState.ENABLING]: 'enabling',
  [ModemState.ENABLED]: 'enabled',
  [ModemState.SEARCHING]: 'searching',
  [ModemState.REGISTERED]: 'registered',
  [ModemState.DISCONNECTING]: 'disconnecting',
  [ModemState.CONNECTING]: 'connecting',
  [ModemState.CONNECTED]: 'connected',
};

/** MM's wording in "modem in disabled state" errors. */
function stateNick(state: number): string {
  return STATE_NICKS[state] ?? 'unknown';
}
