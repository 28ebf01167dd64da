/**
 * Prerequisite checks for e2e tests. Locally a missing prerequisite skips the test with the reason;
 * in CI (CI=true) it fails: a skip in CI would hide a missing install step.
 */
import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** Returns the reason the prerequisites are not met, or undefined when they are. */
export function missingPrereq(needs: { root?: boolean; commands?: readonly string[] }): string | undefined {
  if (needs.root && process.getuid?.() !== 0) return 'needs root';
  for (const cmd of needs.commands ?? []) {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    } catch {
      return `needs ${cmd} on PATH`;
    }
  }
  return undefined;
}

/**
 * Call at the top of a test: `if (skipUnless(t, {root: true, commands: ['ip']})) return;`.
 * Skips locally, throws in CI.
 */
export function skipUnless(t: TestContext, needs: { root?: boolean; commands?: readonly string[] }): boolean {
  const why = missingPrereq(needs);
  if (why === undefined) return false;
  if (inCI) throw new Error(`e2e prerequisite missing in CI: ${why}`);
  t.skip(why);
  return true;
}
