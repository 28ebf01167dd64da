/**
 * `node --import tsx src/demo/main.ts [--no-wait]`: the demo with its own options, until
 * `mmagent demo` takes them (src/cli/args.ts). `--no-wait` ends when the story is done instead of
 * waiting for Ctrl-C with the visualizer up (the default when stdout is not a terminal).
 */
import { runDemoStory } from './run.js';

const USAGE = `Usage: node --import tsx src/demo/main.ts [--no-wait | --wait]

Play the agent's story on the ModemManager simulator (as root with a network namespace).

Options:
  --no-wait   end when the story is done (default when stdout is not a terminal)
  --wait      wait for Ctrl-C at the end with the visualizer up (default on a terminal)
  -h, --help  show this help`;

const args = process.argv.slice(2);
let wait: boolean | undefined;
for (const a of args) {
  if (a === '--no-wait') wait = false;
  else if (a === '--wait') wait = true;
  else if (a === '-h' || a === '--help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else {
    process.stderr.write(`demo: unknown argument '${a}'\n\n${USAGE}\n`);
    process.exit(1);
  }
}
runDemoStory({ stdout: process.stdout, stderr: process.stderr }, wait === undefined ? {} : { wait }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
