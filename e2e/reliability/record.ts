/**
 * The reliability suite's ledger: each scenario appends one JSON line (what it tried, how many times,
 * what it measured, whether it held) to `<artefacts>/reliability/<file>.jsonl`; `report.ts` turns the
 * ledger into docs/RELIABILITY.md. A scenario records only after its assertions passed, and records a
 * failure (then rethrows) when they did not, so the report never shows a pass that was not one.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ScenarioGroup = 'fault' | 'soak' | 'secrets' | 'pubsub';

export interface ScenarioRecord {
  /** Stable id, e.g. `mm-killed-mid-connect`. */
  readonly id: string;
  readonly group: ScenarioGroup;
  /** One line a user reads: the fault and what must hold. */
  readonly title: string;
  /** What was tried, e.g. `SIGKILL of the simulator 20 ms after Connect was called`. */
  readonly inputs: string;
  /** How many times the fault was injected (drops, restarts, configs...). */
  readonly cycles: number;
  /** Measured figures, named with their unit (`reconnectMs`, `connectCalls`, `rssStartMiB`). */
  readonly figures: Readonly<Record<string, number | string>>;
  readonly result: 'pass' | 'fail';
  /** The assertion message when the scenario failed. */
  readonly error?: string;
  readonly durationMs: number;
  /** The test file that ran it. */
  readonly file: string;
}

/** Where the ledger lives: `$MMAGENT_ARTEFACTS/reliability` (set by .ci/run), else ./artefacts/reliability. */
export function ledgerDir(): string {
  const root = process.env.MMAGENT_ARTEFACTS ?? fileURLToPath(new URL('../../artefacts/', import.meta.url));
  return join(root, 'reliability');
}

export async function record(r: ScenarioRecord): Promise<void> {
  const dir = ledgerDir();
  await mkdir(dir, { recursive: true });
  await appendFile(
    join(dir, `${basename(r.file).replace(/\.test\.[mc]?[jt]s$/, '')}.jsonl`),
    `${JSON.stringify(r)}\n`,
  );
}

export interface ScenarioContext {
  /** Adds or replaces a figure for the record. */
  figure(name: string, value: number | string): void;
  /** The number of injected faults (default 1). */
  cycles(n: number): void;
}

/**
 * Runs one scenario's body and records its outcome in the ledger. Use inside a `test()`:
 * `await scenario({ id, title, inputs, file: import.meta.url }, async (s) => { ...; s.figure('x', 1); })`.
 */
export async function scenario(
  meta: { id: string; group?: ScenarioGroup; title: string; inputs: string; file: string },
  body: (s: ScenarioContext) => Promise<void>,
): Promise<void> {
  const figures: Record<string, number | string> = {};
  let cycles = 1;
  const ctx: ScenarioContext = {
    figure: (name, value) => {
      figures[name] = value;
    },
    cycles: (n) => {
      cycles = n;
    },
  };
  const t0 = performance.now();
  const file = meta.file.startsWith('file:') ? fileURLToPath(meta.file) : meta.file;
  const base = { id: meta.id, group: meta.group ?? 'fault', title: meta.title, inputs: meta.inputs, file };
  try {
    await body(ctx);
  } catch (e) {
    await record({
      ...base,
      cycles,
      figures,
      result: 'fail',
      error: e instanceof Error ? e.message : String(e),
      durationMs: Math.round(performance.now() - t0),
    });
    throw e;
  }
  await record({ ...base, cycles, figures, result: 'pass', durationMs: Math.round(performance.now() - t0) });
}
