/**
 * Which spec fields of the plan are sensitive. Credentials specs hold a digest of user and password,
 * never the password; a short password could still be guessed from an unsalted digest offline, so
 * plans (text and JSON, both made to be pasted into tickets) show neither.
 */
import { ATTACH, CONNECTION } from '../modemitems/types.js';

const SENSITIVE: Readonly<Record<string, readonly string[]>> = {
  [CONNECTION]: ['/credentials'],
  [ATTACH]: ['/credentials'],
};

export const REDACTED_VALUE = '[redacted]';

export function isSensitive(type: string, pointer: string): boolean {
  return (SENSITIVE[type] ?? []).includes(pointer);
}

export function sensitivePointers(type: string): readonly string[] {
  return SENSITIVE[type] ?? [];
}
