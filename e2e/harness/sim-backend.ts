/**
 * The ModemManager simulator (src/mmsim/) as a contract-test backend: a private dbus-daemon plus the
 * simulator with one modem that resembles the real-MM kit's (e2e/harness/real-mm/atsim.cjs and
 * ../shared/real-mm/README.md): Option HSO plugin, ports ttyHS0 (at) + wwan0 (net), IMEI
 * 490154203237518, SIM 001010123456789 / 89881100000000000001, SimNet 00101 on LTE, and on
 * connect a static IPv4 10.64.64.10/32 with DNS 10.11.12.13 / 10.11.12.14, no gateway, no MTU,
 * no IPv6. The same contract tests then see the same values on both backends.
 */
import { MMError } from '../../src/mmsim/errors.js';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import type { ModemSpec } from '../../src/mmsim/types.js';
import { type BackendFactory, KIT_EXPECT, type MMBackend } from './backend.js';
import { type PrivateBus, startPrivateBus } from './dbus-daemon.js';

export const SIM_EXPECT = KIT_EXPECT;

/** MMModemMode bits: 2G = 2, 3G = 4 (the kit's modes, `mmcli -m 0` "Modes"). */
const M2G = 2;
const M3G = 4;

export const KIT_MODEM: ModemSpec = {
  id: 'kit',
  manufacturer: SIM_EXPECT.manufacturer,
  model: SIM_EXPECT.model,
  revision: '1.0.0',
  imei: SIM_EXPECT.equipmentIdentifier,
  device: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1',
  drivers: ['hso'],
  plugin: 'option-hso',
  primaryPort: 'ttyHS0',
  ports: [
    { name: 'ttyHS0', type: 'at' },
    { name: 'wwan0', type: 'net' },
  ],
  ownNumbers: ['+15551234567'],
  supportedModes: [
    [M2G, 0],
    [M3G, 0],
    [M2G | M3G, 0],
    [M2G | M3G, M2G],
    [M2G | M3G, M3G],
  ],
  currentModes: [M2G | M3G, 0],
  sim: {
    iccid: SIM_EXPECT.iccid,
    imsi: SIM_EXPECT.imsi,
    operatorId: '00101',
    operatorName: 'SimNet',
  },
  network: {
    registration: 'home',
    operatorCode: SIM_EXPECT.operatorCode,
    operatorName: 'SimNet',
    accessTechnologies: ['lte'],
    signalQuality: 80,
  },
  bearer: {
    interface: SIM_EXPECT.interfaceName,
    ipv4: {
      address: SIM_EXPECT.ipv4.address,
      prefix: SIM_EXPECT.ipv4.prefix,
      dns: ['10.11.12.13', '10.11.12.14'],
    },
  },
  signal: { lte: { rsrq: -10, rsrp: -91 } },
  location: { lacCi: '001,01,0,1A2D001,1A2B' },
  scanResults: [
    {
      operatorCode: '00101',
      operatorLong: 'SimNet',
      operatorShort: 'SimNet',
      status: 'current',
      accessTechnology: 'lte',
    },
  ],
  profiles: [{ profileId: 1, apn: 'internet', ipType: 'ipv4' }],
  maxBearers: 2,
  locationCapabilities: 1, // 3GPP_LAC_CI only, as the kit
};

class SimBackend implements MMBackend {
  readonly name = 'sim';
  readonly expect = SIM_EXPECT;
  readonly #bus: PrivateBus;
  readonly sim: ModemManagerSimulator;
  #stopped = false;

  constructor(bus: PrivateBus, sim: ModemManagerSimulator) {
    this.#bus = bus;
    this.sim = sim;
  }

  get busAddress(): string {
    return this.#bus.address;
  }

  static async start(spec: ModemSpec = KIT_MODEM): Promise<SimBackend> {
    const bus = await startPrivateBus();
    try {
      // The kit's modem registers at once after enabling: enabled → registered, no searching.
      const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { search: 0 } });
      sim.addModem(spec);
      return new SimBackend(bus, sim);
    } catch (e) {
      await bus.stop();
      throw e;
    }
  }

  async unplug(): Promise<void> {
    this.sim.unplug('kit');
  }

  async replug(): Promise<void> {
    this.sim.replug('kit');
  }

  async restartModemManager(): Promise<void> {
    await this.sim.restart({ downtimeMs: 50 });
  }

  async dropBearer(): Promise<void> {
    // The kit's ModemManager reports this error for its network-initiated drop.
    if (this.sim.dropBearer('kit', MMError.MeUnknown, 'Unknown error').length === 0)
      throw new Error('sim backend: no connected bearer to drop');
  }

  /** As the kit: the hso plugin reports a refused call as Core.Failed "Call setup failed". */
  async failNextConnect(): Promise<string> {
    this.sim.failNextConnect('kit', MMError.Failed, 'Call setup failed');
    return MMError.Failed;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.sim.stop().catch(() => undefined);
    await this.#bus.stop().catch(() => undefined);
  }
}

export const simBackend: BackendFactory = {
  name: 'sim',
  needs: { commands: ['dbus-daemon'] },
  start: () => SimBackend.start(),
};

export { SimBackend };
