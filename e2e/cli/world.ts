/**
 * Helpers for the CLI's e2e tests and the fixture capture: the two simulated modems of the plan
 * scenarios, waiting for the agent's steady state, and running `mmagent` commands inside the
 * agent's network namespace on the simulator's bus.
 */
import { startPrivateBus } from '../../src/mmsim/private-bus.js';
import { ModemManagerSimulator } from '../../src/mmsim/simulator.js';
import type { ModemSpec } from '../../src/mmsim/types.js';
import type { RunResult } from '../../src/sandbox/netns.js';
import type { WwanConfig } from '../../src/schemas/types.generated.js';
import { type AgentWorld, modemA, modemB, withAgentOn } from '../agent/world.js';

export interface CliWorld extends AgentWorld {
  readonly busAddress: string;
}

/** The agent's world (simulator on a private bus, netns, `mmagent run`), with the bus address. */
export async function withCliWorld<T>(
  opts: { modems: readonly ModemSpec[]; config: WwanConfig },
  fn: (w: CliWorld) => Promise<T>,
): Promise<T> {
  const bus = await startPrivateBus();
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address, timing: { step: 2 } });
  try {
    for (const m of opts.modems) sim.addModem(m);
    return await withAgentOn({ busAddress: bus.address, config: opts.config }, (w) =>
      fn({ ...w, sim, busAddress: bus.address }),
    );
  } finally {
    await sim.stop();
    await bus.stop();
  }
}

/** Modem A with a second SIM slot (so the SIM slot scenario has somewhere to go), and modem B. */
export function steadyModems(): ModemSpec[] {
  const a = modemA();
  return [
    modemA({
      simSlots: [
        a.sim ?? null,
        {
          iccid: '89881100000000000003',
          imsi: '001010000000003',
          operatorId: '00101',
          operatorName: 'SimNet',
        },
      ],
      primarySimSlot: 1,
    }),
    modemB(),
  ];
}

/** Waits until every configured, not radio-silenced modem is online and the agent is quiet. */
export async function untilSettled(w: CliWorld, config: WwanConfig): Promise<void> {
  const labels = (config.Networks ?? []).map((n) => n.LogicalLabel);
  await w.waitStatus(
    (s) => {
      if (config.RadioSilence) return (s.Networks ?? []).length >= labels.length;
      return labels.every((l) =>
        (s.Networks ?? []).some(
          (n) =>
            n.LogicalLabel === l &&
            n.Module.OpMode === 'online-and-connected' &&
            n.IPSettings.Address !== null,
        ),
      );
    },
    `steady state of ${labels.join(', ')}`,
  );
  // Addresses, routes and DNS follow the status by a few milliseconds; then nothing may move.
  await new Promise((r) => setTimeout(r, 500));
  await w.settle(1000);
}

/** `mmagent ARGS` in the agent's namespace, on the simulator's bus. */
export function mmagentIn(w: CliWorld, args: readonly string[]): Promise<RunResult> {
  return w.ns.runNode('src/cli/main.ts', args, {
    env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: w.busAddress },
    timeoutMs: 30_000,
  });
}

/** `mmagent snapshot` of the world, as text. */
export async function snapshotIn(w: CliWorld): Promise<string> {
  const r = await mmagentIn(w, ['snapshot', '--resolv-dir', w.resolvDir]);
  if (r.code !== 0) throw new Error(`mmagent snapshot exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
