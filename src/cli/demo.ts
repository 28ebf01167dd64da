/**
 * `mmagent demo`: the agent's whole story on the built-in ModemManager simulator, narrated with the
 * plan of each step, the visualizer served on loopback while it plays (src/demo, docs/demo.md).
 */
import { type DemoOptions, runDemoStory } from '../demo/run.js';
import type { CliIo } from './validate.js';

export type { DemoOptions };

export function runDemo(io: CliIo, opts: DemoOptions = {}): Promise<number> {
  return runDemoStory(io, opts);
}
