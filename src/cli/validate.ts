/**
 * `mmagent validate FILE`: is FILE a valid WwanConfig or global config?
 *
 * Which of the two a file is meant to be is decided by its top-level keys (see
 * src/schemas/config-kind.ts); then it is checked by the very validator the agent and `mmagent plan`
 * use for that kind, after the same read path (strict UTF-8, bounded nesting, well-formed Unicode),
 * so the three accept and reject the same files.
 *
 * Output: "valid WwanConfig" / "valid global config" on stdout, exit 0 (a global config may add
 * "warning:" lines for values the agent would adjust, still exit 0). Otherwise every error as
 * "<json path>: <message>" on stderr, exit 1; an unreadable file or bad JSON is one line, exit 1.
 */
import { readConfigFileOnce } from '../io/config-file.js';
import { readGlobalSettings } from '../io/global-config.js';
import { detectConfigKind } from '../schemas/config-kind.js';
import type { ConfigItemValueMap } from '../schemas/types.generated.js';
import {
  type FieldError,
  formatErrors,
  type Validation,
  validateGlobalConfig,
  validateWwanConfig,
} from '../schemas/validate.js';
import { parseCommandArgs } from './args.js';

export { type ConfigKind, detectConfigKind } from '../schemas/config-kind.js';

export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

function reportInvalid(io: CliIo, file: string, what: string, errors: readonly FieldError[]): void {
  io.stderr.write(`${formatErrors(errors)}\n`);
  io.stderr.write(`${file}: invalid ${what} (${errors.length} error${errors.length === 1 ? '' : 's'})\n`);
}

/** Runs `mmagent validate` with the arguments after the command name; returns the exit code. */
export async function runValidate(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('validate', argv);
  if (!parsed.ok) {
    io.stderr.write(`${parsed.message}\nRun 'mmagent validate --help' for usage.\n`);
    return 1;
  }
  if (parsed.command.command === 'help') {
    io.stdout.write(`${parsed.command.text}\n`);
    return 0;
  }
  if (parsed.command.command !== 'validate') return 1;
  const file = parsed.command.file;

  // Parse only (the identity validator): which schema applies is decided from the content.
  const read = await readConfigFileOnce(file, (v): Validation<unknown> => ({ ok: true, value: v }));
  if (!read.ok) {
    // Field errors found on reading (nesting, Unicode) are listed as the schema's are.
    if (read.kind === 'schema') reportInvalid(io, file, 'config', read.errors);
    else io.stderr.write(`${read.message}\n`);
    return 1;
  }
  const kind = detectConfigKind(read.value);
  if ('error' in kind) {
    io.stderr.write(`${file}: ${kind.error}\n`);
    return 1;
  }
  const v = kind.kind === 'global config' ? validateGlobalConfig(read.value) : validateWwanConfig(read.value);
  if (!v.ok) {
    reportInvalid(io, file, kind.kind, v.errors);
    return 1;
  }
  io.stdout.write(`valid ${kind.kind}\n`);
  if (kind.kind === 'global config') {
    for (const w of readGlobalSettings(v.value as ConfigItemValueMap).warnings)
      io.stdout.write(`warning: ${w}\n`);
  }
  return 0;
}
