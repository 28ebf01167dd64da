#!/usr/bin/env node
/** `mmagent`: the command dispatcher. Usage errors exit 1 with one line; never a stack trace. */
import { parseCommandLine } from './args.js';
import { runValidate } from './validate.js';
import { readVersion } from './version.js';

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv);
  const io = { stdout: process.stdout, stderr: process.stderr };
  if (!parsed.ok) {
    io.stderr.write(`${parsed.message}\n\n${parsed.usage}\n`);
    return 1;
  }
  const cmd = parsed.command;
  switch (cmd.command) {
    case 'help':
      io.stdout.write(`${cmd.text}\n`);
      return 0;
    case 'version':
      io.stdout.write(`mmagent ${readVersion()}\n`);
      return 0;
    case 'validate':
      return runValidate(argv.slice(1), io);
    case 'run': {
      const { runAgent } = await import('./run.js');
      return runAgent(cmd);
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      return runDemo(io, cmd.noWait ? { wait: false } : {});
    }
    case 'plan': {
      const { runPlan } = await import('./plan.js');
      return runPlan(cmd, io);
    }
    case 'graph': {
      const { runGraph } = await import('./graph.js');
      return runGraph(cmd, io);
    }
    case 'snapshot': {
      const { runSnapshot } = await import('./snapshot.js');
      return runSnapshot(cmd, io);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mmagent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
