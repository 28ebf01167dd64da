/**
 * THE one place that lists the ModemManager backends the contract tests run against.
 *
 * real-mm is always there. The simulator backend (e2e/harness/sim-backend.ts, exporting
 * `simBackend: BackendFactory`) is added when that file exists; it is imported through a
 * computed specifier so this file compiles before the simulator engineer has written it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BackendFactory } from '../harness/backend.js';
import { realModemManagerBackend } from '../harness/real-mm.js';

const SIM_BACKEND = '../harness/sim-backend.js';

function isFactory(v: unknown): v is BackendFactory {
  return typeof v === 'object' && v !== null && typeof (v as BackendFactory).start === 'function';
}

export async function contractBackends(): Promise<BackendFactory[]> {
  const list: BackendFactory[] = [realModemManagerBackend];
  const simFile = fileURLToPath(new URL('../harness/sim-backend.ts', import.meta.url));
  if (existsSync(simFile)) {
    const mod = (await import(SIM_BACKEND)) as { simBackend?: unknown };
    if (!isFactory(mod.simBackend))
      throw new Error('e2e/harness/sim-backend.ts must export simBackend: BackendFactory');
    list.push(mod.simBackend);
  }
  return list;
}
