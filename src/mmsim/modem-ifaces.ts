/**
 * The D-Bus face of a modem object: builds the six interfaces of /Modem/N with their initial
 * properties and maps each method's wire arguments to a Modem operation.
 */
import { emitSignal, makeInterface, type SimInterface } from './iface.js';
import type { Modem } from './modem.js';
import { NO_OBJECT } from './names.js';
import {
  locationSpec,
  modem3gppSpec,
  modemSpec,
  profileManagerSpec,
  signalSpec,
  simpleSpec,
} from './spec.js';

export interface ModemInterfaces {
  readonly modem: SimInterface;
  readonly simple: SimInterface;
  readonly modem3gpp: SimInterface;
  readonly profileManager: SimInterface;
  readonly signal: SimInterface;
  readonly location: SimInterface;
  readonly all: SimInterface[];
  emitProfilesUpdated(): void;
}

export interface ModemExtras {
  readonly imei: string;
  readonly locationCapabilities: number;
}

export function buildModemInterfaces(
  modem: Modem,
  modemProps: Record<string, unknown>,
  extras: ModemExtras,
): ModemInterfaces {
  const modemIface = makeInterface(modemSpec, modemProps, {
    Enable: (enable: boolean) => modem.enable(enable),
    ListBearers: () => modem.bearers.map((b) => b.path),
    CreateBearer: (props: unknown) => modem.createBearer(props),
    DeleteBearer: (path: string) => modem.deleteBearer(path),
    Reset: () => modem.reset(),
    SetPowerState: (state: number) => modem.setPowerState(state),
    SetCurrentModes: (modes: unknown[]) => modem.setCurrentModes(modes),
    SetPrimarySimSlot: (slot: number) => modem.setPrimarySimSlot(slot),
  });
  const simple = makeInterface(
    simpleSpec,
    {},
    {
      Connect: (props: unknown) => modem.simpleConnect(props),
      Disconnect: (path: string) => modem.simpleDisconnect(path),
      GetStatus: () => modem.simpleStatus(),
    },
  );
  const modem3gpp = makeInterface(
    modem3gppSpec,
    {
      Imei: extras.imei,
      RegistrationState: 4, // UNKNOWN until enabled
      OperatorCode: '',
      OperatorName: '',
      EnabledFacilityLocks: 0,
      SubscriptionState: 0,
      EpsUeModeOperation: 0,
      Pco: [],
      InitialEpsBearer: NO_OBJECT,
      InitialEpsBearerSettings: {},
      PacketServiceState: 0,
      Nr5gRegistrationSettings: {},
    },
    {
      Register: (operatorId: string) => modem.register(operatorId),
      Scan: () => modem.scan(),
      SetInitialEpsBearerSettings: (settings: unknown) => modem.setInitialEpsBearerSettings(settings),
    },
  );
  const profileManager = makeInterface(
    profileManagerSpec,
    { IndexField: 'profile-id' },
    { List: () => modem.listProfiles() },
  );
  const signal = makeInterface(
    signalSpec,
    {
      Rate: 0,
      RssiThreshold: 0,
      ErrorRateThreshold: false,
      Cdma: {},
      Evdo: {},
      Gsm: {},
      Umts: {},
      Lte: {},
      Nr5g: {},
    },
    { Setup: (rate: number) => modem.signalSetup(rate) },
  );
  const location = makeInterface(
    locationSpec,
    {
      Capabilities: extras.locationCapabilities,
      SupportedAssistanceData: 0,
      Enabled: 0,
      SignalsLocation: false,
      Location: {},
      SuplServer: '',
      AssistanceDataServers: [],
      // MM's default refresh is 30 s for GPS-capable modems; the kit (no GPS) reports 0.
      GpsRefreshRate: extras.locationCapabilities & 0b110 ? 30 : 0,
    },
    {
      Setup: (sources: number, signalLocation: boolean) => modem.locationSetup(sources, signalLocation),
      GetLocation: () => modem.getLocation(),
      SetGpsRefreshRate: (rate: number) => modem.setGpsRefreshRate(rate),
    },
  );
  return {
    modem: modemIface,
    simple,
    modem3gpp,
    profileManager,
    signal,
    location,
    all: [modemIface, simple, modem3gpp, profileManager, signal, location],
    emitProfilesUpdated: () => emitSignal(profileManager, 'Updated'),
  };
}
