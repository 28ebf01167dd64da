/**
 * Standalone simulator: `node --import tsx src/mmsim/main.ts --bus ADDRESS --scenario FILE`.
 * Owns org.freedesktop.ModemManager1 on ADDRESS (default: $DBUS_SYSTEM_BUS_ADDRESS) until SIGINT or
 * SIGTERM. Used by `npm run demo` and for poking at the simulator with mmcli/gdbus.
 */
import { parseArgs } from 'node:util';
import { applyScenario, loadScenario } from './scenario.js';
import { ModemManagerSimulator } from './simulator.js';

const USAGE = 'usage: mmsim --bus ADDRESS [--scenario FILE]';

export async function main(argv: readonly string[]): Promise<number> {
  let values: { bus?: string; scenario?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        bus: { type: 'string' },
        scenario: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const busAddress = values.bus ?? process.env.DBUS_SYSTEM_BUS_ADDRESS;
  if (!busAddress) {
    console.error(`no bus address: pass --bus or set DBUS_SYSTEM_BUS_ADDRESS\n${USAGE}`);
    return 2;
  }
  const scenario = values.scenario ? await loadScenario(values.scenario) : { modems: [{ id: 'modem0' }] };
  const sim = await ModemManagerSimulator.start({
    busAddress,
    version: scenario.version,
    timing: scenario.timing,
  });
  const cancel = applyScenario(sim, scenario);
  console.log(
    `mmsim: ${sim.uniqueName} owns org.freedesktop.ModemManager1 on ${busAddress}; modems: ${sim.modemPaths().join(', ')}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  cancel();
  await sim.stop();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('mmsim:', err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
