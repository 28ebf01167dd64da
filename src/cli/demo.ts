/**
 * `mmagent demo`: the agent against the built-in ModemManager simulator, end to end over a private
 * dbus-daemon, with two simulated modems. Shows what each reconcile does and why, the status as the
 * modems come online, then an APN change (one modem reconnects, the other is not touched), an
 * identical config (no call at all) and radio silence. The network side (netlink) needs a network
 * namespace with the modems' interfaces, so the demo leaves it out; the e2e tests cover it.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRef } from '../../reconciler/item.js';
import { WwanAgent } from '../agent/agent.js';
import { buildOutputs } from '../agent/outputs.js';
import { secretsFromConfig } from '../agent/secrets.js';
import { createLogger } from '../io/log.js';
import { OutputWriter } from '../io/outputs.js';
import { startPrivateBus } from '../mmsim/private-bus.js';
import { applyScenario, loadScenario } from '../mmsim/scenario.js';
import { ModemManagerSimulator } from '../mmsim/simulator.js';
import { ModemManagerClient } from '../modemmanager/client.js';
import { packageFile } from '../repo-files.js';
import type { WwanConfig, WwanStatus } from '../schemas/types.generated.js';
import { validateWwanConfig } from '../schemas/validate.js';
import { fakePhysAddrSource } from '../wwan/physaddrs.js';
import type { CliIo } from './validate.js';

export async function runDemo(io: CliIo): Promise<number> {
  const say = (s = '') => io.stdout.write(`${s}\n`);
  const bus = await startPrivateBus().catch((e: unknown) => {
    throw new Error(`the demo needs dbus-daemon (Debian package "dbus"): ${(e as Error).message}`);
  });
  const statusDir = await mkdtemp(join(tmpdir(), 'mmagent-demo-'));
  const sim = await ModemManagerSimulator.start({ busAddress: bus.address });
  const scenario = await loadScenario(packageFile('docs', 'examples', 'mmsim-scenario.json'));
  applyScenario(sim, { ...scenario, events: [] });
  const logger = createLogger({ level: 'silent' });
  const mm = await ModemManagerClient.connect({ address: bus.address, logger });
  const writer = new OutputWriter(statusDir, logger);
  let calls = 0;
  const agent = new WwanAgent({
    mm,
    resolvDir: statusDir,
    logger,
    physAddrs: fakePhysAddrSource({}),
    onChange: () => {
      const out = buildOutputs(agent.view());
      void writer.writeStatus(out.status);
      void writer.writeMetrics(out.metrics);
      if (out.location) void writer.writeLocation(out.location);
    },
  });
  agent.controller.on((e) => {
    if (e.type === 'run-started' && e.plan.steps.length > 0) {
      say(`  reconcile #${e.id} (${e.reasons.join('; ')}):`);
      for (const s of e.plan.steps) {
        if (s.op === 'recreate' && s.phase === 'create') continue;
        const mark = { create: '+', modify: '~', recreate: '-/+', delete: '-' }[s.op];
        say(`    ${mark.padEnd(3)} ${formatRef(s.ref).padEnd(26)} ${s.reason.detail}`);
      }
    }
    if (e.type === 'step-finished' && !e.outcome.ok && !e.outcome.skipped) {
      say(`    ! ${formatRef(e.step.ref)} failed: ${e.outcome.error}`);
    }
  });
  const apply = async (title: string, cfg: WwanConfig) => {
    const valid = validateWwanConfig(cfg);
    if (!valid.ok) throw new Error(`demo config invalid: ${JSON.stringify(valid.errors)}`);
    say(`\n== ${title}`);
    const since = sim.recorder.mark();
    agent.setConfig(cfg, secretsFromConfig(cfg).secrets);
    await settle(agent);
    calls = sim.recorder.countStateChanging({ since });
    await writer.idle();
    const status = JSON.parse(await readFile(join(statusDir, 'WwanStatus.json'), 'utf8')) as WwanStatus;
    say(`  ModemManager calls that change something: ${calls}`);
    for (const n of status.Networks ?? []) {
      const ip = n.IPSettings.Address ? `${n.IPSettings.Address.IP}` : '-';
      say(
        `  ${n.LogicalLabel.padEnd(8)} ${n.Module.OpMode.padEnd(21)} ${n.CurrentProvider.Description.padEnd(8)} ip ${ip.padEnd(14)} ${n.ConfigError ? `error: ${n.ConfigError}` : ''}`,
      );
    }
  };

  try {
    say(`ModemManager simulator on a private bus (${bus.address}); status files in ${statusDir}`);
    const cfg = JSON.parse(
      await readFile(packageFile('docs', 'examples', 'demo-config.json'), 'utf8'),
    ) as WwanConfig;
    await apply('first config: two modems, both should come online', cfg);
    const apnChange = structuredClone(cfg);
    apnChange.Networks![0]!.AccessPoint!.APN = 'internet.v2';
    await apply('APN change on modem-a: modem-a reconnects, modem-b is not touched', apnChange);
    await apply('the same config again: nothing to do, no call', structuredClone(apnChange));
    await apply('radio silence: every radio off', { ...apnChange, RadioSilence: true });
    say(`\nDone. Status written to ${join(statusDir, 'WwanStatus.json')}.`);
    return 0;
  } finally {
    await agent.stop();
    await writer.idle();
    await mm.close();
    await sim.stop();
    await bus.stop();
  }
}

/** Waits until the agent has nothing left to do (all runs done and no follow-up triggered). */
async function settle(agent: WwanAgent): Promise<void> {
  for (let quiet = 0; quiet < 3; ) {
    await new Promise((r) => setTimeout(r, 100));
    await agent.controller.idle();
    const st = agent.controller.state();
    const pending = st.running || st.inProgress.size > 0;
    quiet = pending || agent.controller.preview().steps.length > 0 ? 0 : quiet + 1;
  }
}
