/**
 * `mmagent snapshot [-o FILE]`: the observed state as a versioned JSON document
 * (schemas/snapshot.schema.json), secrets redacted, to standard output or atomically to FILE.
 * ModemManager out of reach: one line, exit 1. The kernel unreadable: the document says why, a
 * warning line says so, exit 0 (the ModemManager side is still worth having).
 */
import { writeFileAtomic } from '../io/atomic-write.js';
import type { SnapshotCommand } from './args.js';
import { type LiveOptions, type Observation, ObservationError, observeLive } from './observation.js';
import { toSnapshotDocument } from './snapshot-file.js';
import type { CliIo } from './validate.js';
import { readVersion } from './version.js';

export async function runSnapshot(
  cmd: SnapshotCommand,
  io: CliIo,
  hooks: { live?: Partial<LiveOptions> } = {},
): Promise<number> {
  let obs: Observation;
  try {
    obs = await observeLive({ resolvDir: cmd.resolvDir, ...hooks.live });
  } catch (err) {
    if (err instanceof ObservationError) {
      io.stderr.write(`mmagent snapshot: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (obs.kernel.unavailable)
    io.stderr.write(`warning: ${obs.kernel.unavailable}; the snapshot has no kernel items\n`);
  const text = `${JSON.stringify(toSnapshotDocument(obs, readVersion()), null, 2)}\n`;
  if (cmd.output === undefined || cmd.output === '-') {
    io.stdout.write(text);
    return 0;
  }
  try {
    await writeFileAtomic(cmd.output, text, { mode: 0o600 });
  } catch (err) {
    io.stderr.write(
      `mmagent snapshot: cannot write ${cmd.output}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  return 0;
}
