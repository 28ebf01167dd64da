/**
 * Captures the snapshot fixtures of test/cli (not a test; run as root when the simulator's modems or
 * the agent change): for each steady state of test/cli/scenarios.ts, `mmagent run` applies the config
 * in a network namespace against the simulator, and `mmagent snapshot` records the result.
 *
 *   node --import tsx e2e/cli/capture-fixtures.ts
 */
import { writeFile } from 'node:fs/promises';
import type { WwanConfig } from '../../src/schemas/types.generated.js';
import { STEADY } from '../../test/cli/scenarios.js';
import { snapshotIn, steadyModems, untilSettled, withCliWorld } from './world.js';

for (const [name, config] of Object.entries(STEADY)) {
  const text = await withCliWorld({ modems: steadyModems(), config: config as WwanConfig }, async (w) => {
    await untilSettled(w, config);
    return snapshotIn(w);
  });
  const file = new URL(`../../test/cli/fixtures/${name}.json`, import.meta.url);
  await writeFile(file, text);
  console.log(`wrote ${file.pathname}`);
}
