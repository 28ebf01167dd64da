/**
 * The contract between the ModemManager contract tests (e2e/modemmanager/*.test.ts) and a
 * ModemManager backend. Two implementations exist:
 *
 *  - `real-mm.ts`: the real ModemManager 1.20 with a simulated AT modem (e2e/harness/real-mm/).
 *  - `sim-backend.ts`: our own simulator (src/mmsim/), written by the simulator engineer.
 *
 * The same tests run against both, so both must behave alike on the common subset described
 * here. A backend owns every process it starts (children of the test process, reaped by `stop()`).
 *
 * Notes for implementers (simulator side):
 *  - `busAddress` is what the client gets as DBUS_SYSTEM_BUS_ADDRESS; the backend owns the bus.
 *  - Exactly one modem exists after `start`, state `disabled` (ModemManager does not auto-enable),
 *    registered on `expect.operatorCode` once enabled, with interfaces Modem, Modem.Simple,
 *    Modem.Modem3gpp, Modem.Signal, Modem.Location, Modem.Modem3gpp.ProfileManager, and a SIM.
 *  - `Simple.Connect({apn: expect.apn, 'ip-type': u 1})` yields a bearer with `Interface ===
 *    expect.interfaceName`, `Connected === true` and `Ip4Config` {method: 2 (static), address:
 *    expect.ipv4.address, prefix: expect.ipv4.prefix}.
 *  - After `unplug()` resolves, ModemManager's ObjectManager no longer lists any modem (the
 *    client has been sent InterfacesRemoved). After `replug()` resolves the modem is listed
 *    again under a NEW object path (index + 1) and is `disabled` again (power-cycled).
 *  - Wiring: e2e/harness/sim-backend.ts should export `simBackend: BackendFactory` (name 'sim');
 *    e2e/modemmanager/backends.ts picks it up when that file exists (the one place listing backends).
 *  - `restartModemManager()`: the bus name org.freedesktop.ModemManager1 is released (the
 *    process exits / NameOwnerChanged to ''), then re-acquired by a NEW unique name; it resolves
 *    once the modem is listed again. Object indexes may restart from 0 (real MM does).
 */

export interface BackendExpectations {
  /** An APN the backend's modem accepts in Simple.Connect. */
  readonly apn: string;
  /** The bearer's `Interface` after connect, e.g. `wwan0`. */
  readonly interfaceName: string;
  /** The static IPv4 config (Ip4Config) of the connected bearer. */
  readonly ipv4: { readonly address: string; readonly prefix: number };
  /** Modem identity, as in Modem.Manufacturer / Model / EquipmentIdentifier. */
  readonly manufacturer: string;
  readonly model: string;
  readonly equipmentIdentifier: string;
  /** Modem3gpp.OperatorCode once registered, e.g. `00101`. */
  readonly operatorCode: string;
  /** SIM identity (Sim.Imsi, Sim.SimIdentifier). */
  readonly imsi: string;
  readonly iccid: string;
}

/**
 * What the kit's simulated modem answers (e2e/harness/real-mm/atsim.cjs). The simulator backend
 * builds its modem from the same values, so both backends show the same facts.
 */
export const KIT_EXPECT: BackendExpectations = {
  apn: 'internet',
  interfaceName: 'wwan0',
  ipv4: { address: '10.64.64.10', prefix: 32 },
  manufacturer: 'Simulated Modems Inc.',
  model: 'SIM-LTE-1',
  equipmentIdentifier: '490154203237518',
  operatorCode: '00101',
  imsi: '001010123456789',
  iccid: '89881100000000000001',
};

export interface MMBackend {
  /** Short name used in test titles: `real-mm` or `sim`. */
  readonly name: string;
  /** D-Bus address of the backend's private bus (use as DBUS_SYSTEM_BUS_ADDRESS). */
  readonly busAddress: string;
  readonly expect: BackendExpectations;
  /** Hot-unplug the modem; resolves when ModemManager no longer lists it. */
  unplug(): Promise<void>;
  /** Plug it back; resolves when ModemManager lists it again (under a new path). */
  replug(): Promise<void>;
  /** Stop ModemManager (bus name lost) and start it again; resolves when the modem is listed. */
  restartModemManager(): Promise<void>;
  /**
   * Network-initiated disconnect of the active data call: the bearer's `Connected` turns false.
   * Optional: a backend that cannot do it leaves it undefined and the test is skipped for it.
   */
  dropBearer?(): Promise<void>;
  /**
   * Makes the next Simple.Connect fail the way the network refuses a call; resolves with the
   * D-Bus error name Connect will reject with (also set as the bearer's ConnectionError[0]).
   * The real kit gives `org.freedesktop.ModemManager1.Error.Core.Failed` ("Call setup failed").
   * Optional: without it the test is skipped for that backend.
   */
  failNextConnect?(): Promise<string>;
  /** Stops and reaps every process the backend started; idempotent, never throws. */
  stop(): Promise<void>;
}

/** How a test file gets a backend. Each factory checks its own prerequisites. */
export interface BackendFactory {
  readonly name: string;
  /** Prerequisites for `skipUnless` (see require.ts). */
  readonly needs: { readonly root?: boolean; readonly commands?: readonly string[] };
  start(): Promise<MMBackend>;
}
