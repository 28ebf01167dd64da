import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/** Debian's chromium for the visualizer's browser tests: where it is and the flags CI runs it with. */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Where the browser tests put their screenshots: $MMAGENT_ARTEFACTS (set by .ci/run, which prints it)
 * or artefacts/ at the top of the repository (ignored by git).
 */
export function artefactsDir(): string {
  return process.env.MMAGENT_ARTEFACTS ?? fileURLToPath(new URL('../../artefacts/', import.meta.url));
}

/** A screenshot of the whole page under artefactsDir(); returns its path for the test's diagnostics. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = join(artefactsDir(), 'visualizer');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
