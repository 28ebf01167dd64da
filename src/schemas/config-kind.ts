/**
 * Which kind of config a document is meant to be, decided by its top-level keys, the only thing a
 * WwanConfig and a global config (ConfigItemValueMap) have that is disjoint: `GlobalSettings` or
 * `AgentSettings` make it a global config; any other object is a WwanConfig, whose known keys are
 * DPCKey, DPCTimestamp, RSConfigTimestamp, RadioSilence and Networks. An empty object is a valid,
 * empty config of either kind. A non-empty object with none of the keys of either is rejected: Go
 * would accept it as an all-zero WwanConfig (unknown fields are ignored), but such a file is almost
 * certainly the wrong file, and taken as an empty WwanConfig it would delete every modem's items.
 * A file with keys of both is rejected as ambiguous.
 *
 * The validators run this, so `mmagent validate`, `mmagent plan` and the agent all refuse a global
 * config given where a WwanConfig is expected, and the other way round.
 */
import { shortSegment } from './document-guard.js';
import { goFoldName } from './go-fields.js';
import type { FieldError } from './validate.js';

export const WWAN_CONFIG_KEYS = ['DPCKey', 'DPCTimestamp', 'RSConfigTimestamp', 'RadioSilence', 'Networks'];
export const GLOBAL_CONFIG_KEYS = ['GlobalSettings', 'AgentSettings'];

/** Whether `key` names one of `fields` as a Go reader matches names (case-insensitively). */
const isOneOf = (key: string, fields: readonly string[]) =>
  fields.some((f) => goFoldName(f) === goFoldName(key));

export type ConfigKind = 'WwanConfig' | 'global config';

/** Which kind of config `value` is meant to be, or why it is neither. */
export function detectConfigKind(value: unknown): { kind: ConfigKind } | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'not a JSON object, so neither a WwanConfig nor a global config' };
  const keys = Object.keys(value);
  const wwan = keys.some((k) => isOneOf(k, WWAN_CONFIG_KEYS));
  const global = keys.some((k) => isOneOf(k, GLOBAL_CONFIG_KEYS));
  if (wwan && global)
    return {
      error:
        'has keys of both a WwanConfig (e.g. Networks) and a global config (GlobalSettings/AgentSettings)',
    };
  if (global) return { kind: 'global config' };
  if (wwan || keys.length === 0) return { kind: 'WwanConfig' };
  return {
    error: `none of its keys (${keys.slice(0, 5).map(shortSegment).join(', ')}${keys.length > 5 ? ', ...' : ''}) belong to a WwanConfig (${WWAN_CONFIG_KEYS.join(', ')}) or a global config (${GLOBAL_CONFIG_KEYS.join(', ')})`,
  };
}

/** The document-level error when `value` is not a config of kind `expected` ([] when it is one). */
export function configKindErrors(value: unknown, expected: ConfigKind): FieldError[] {
  const k = detectConfigKind(value);
  if ('error' in k) return [{ path: '', message: k.error }];
  // {} is both: an empty WwanConfig, and a global config without settings.
  const keys = Object.keys(value as object);
  if (k.kind === expected || keys.length === 0) return [];
  const has = keys.filter((x) =>
    isOneOf(x, k.kind === 'global config' ? GLOBAL_CONFIG_KEYS : WWAN_CONFIG_KEYS),
  );
  return [{ path: '', message: `is a ${k.kind} (it has ${has.join(', ')}), not a ${expected}` }];
}
