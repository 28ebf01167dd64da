/**
 * `mmagent validate FILE`: is FILE a valid WwanConfig or global config?
 *
 * Which of the two a file is meant to be is decided by its top-level keys, the only thing the two
 * have that is disjoint: `GlobalSettings` or `AgentSettings` make it a global config
 * (ConfigItemValueMap); any other object is a WwanConfig, whose known keys are DPCKey,
 * DPCTimestamp, RSConfigTimestamp, RadioSilence and Networks. An empty object is a valid, empty
 * WwanConfig. A non-empty object with none of the keys of either is rejected: Go would accept it
 * as an all-zero WwanConfig (unknown fields are ignored), but such a file is almost certainly the
 * wrong file. A file with keys of both is rejected as ambiguous.
 *
 * Output: "valid WwanConfig" / "valid global config" on stdout, exit 0 (a global config may add
 * "warning:" lines for values the agent would adjust, still exit 0). Otherwise every error as
 * "<json path>: <message>" on stderr, exit 1; an unreadable file or bad JSON is one line, exit 1.
 */
import { readConfigFileOnce } from '../io/config-file.js';
import { readGlobalSettings } from '../io/global-config.js';
import type { ConfigItemValueMap } from '../schemas/types.generated.js';
import {
  formatErrors,
  type Validation,
  validateGlobalConfig,
  validateWwanConfig,
} from '../schemas/validate.js';
import { parseCommandArgs } from './args.js';

export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

const WWAN_KEYS = ['DPCKey', 'DPCTimestamp', 'RSConfigTimestamp', 'RadioSilence', 'Networks'];
const GLOBAL_KEYS = ['GlobalSettings', 'AgentSettings'];

export type ConfigKind = 'WwanConfig' | 'global config';

/** Which kind of config `value` is meant to be, or why it is neither. */
export function detectConfigKind(value: unknown): { kind: ConfigKind } | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'not a JSON object, so neither a WwanConfig nor a global config' };
  const keys = Object.keys(value);
  const wwan = keys.some((k) => WWAN_KEYS.includes(k));
  const global = keys.some((k) => GLOBAL_KEYS.includes(k));
  if (wwan && global)
    return {
      error:
        'has keys of both a WwanConfig (e.g. Networks) and a global config (GlobalSettings/AgentSettings)',
    };
  if (global) return { kind: 'global config' };
  if (wwan || keys.length === 0) return { kind: 'WwanConfig' };
  return {
    error: `none of its keys (${keys.slice(0, 5).join(', ')}) belong to a WwanConfig (${WWAN_KEYS.join(', ')}) or a global config (${GLOBAL_KEYS.join(', ')})`,
  };
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
    io.stderr.write(`${read.message}\n`);
    return 1;
  }
  const kind = detectConfigKind(read.value);
  if ('error' in kind) {
    io.stderr.write(`${file}: ${kind.error}\n`);
    return 1;
  }
  const v = kind.kind === 'global config' ? validateGlobalConfig(read.value) : validateWwanConfig(read.value);
  if (!v.ok) {
    io.stderr.write(`${formatErrors(v.errors)}\n`);
    io.stderr.write(
      `${file}: invalid ${kind.kind} (${v.errors.length} error${v.errors.length === 1 ? '' : 's'})\n`,
    );
    return 1;
  }
  io.stdout.write(`valid ${kind.kind}\n`);
  if (kind.kind === 'global config') {
    for (const w of readGlobalSettings(v.value as ConfigItemValueMap).warnings)
      io.stdout.write(`warning: ${w}\n`);
  }
  return 0;
}
