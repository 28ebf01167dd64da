/** Test helpers for the pubsub tests: a capturing logger and a wait for socket I/O. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../reconciler/controller.js';

export interface LogLine {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** Waits (on real I/O, bounded) until `cond` holds; fails with `what` otherwise. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A short temporary run dir (socket paths must stay under 108 bytes). */
export function tempRunDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ps-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
