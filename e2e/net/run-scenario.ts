/**
 * Child entry point: runs one scenario of scenarios.ts in the network namespace it was started in
 * (`ip netns exec NS node --import tsx e2e/net/run-scenario.ts NAME`). Prints one JSON line with the
 * scenario's summary and exits 0, or prints the failure on stderr and exits 1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetConfigurators } from '../../src/netitems/index.js';
import { createNetlinkAdapter } from '../../src/netlink/adapter.js';
import { scenarios } from './scenarios.js';

const name = process.argv[2] ?? '';
const scenario = scenarios[name];
if (!scenario) {
  process.stderr.write(`unknown scenario ${JSON.stringify(name)}\n`);
  process.exit(2);
}
const resolvDir = await mkdtemp(join(tmpdir(), 'resolv-'));
const nl = createNetlinkAdapter({ defaultTimeoutMs: 5000 });
try {
  const summary = await scenario({ nl, c: createNetConfigurators({ netlink: nl, resolvDir }), resolvDir });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = 0;
} catch (err) {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
} finally {
  nl.close();
  await rm(resolvDir, { recursive: true, force: true });
}
