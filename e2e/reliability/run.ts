/**
 * Runs the reliability suite and writes its report: every test file that declares a scenario (the
 * e2e/reliability folder and the EVE-integration tests of malformed pubsub frames), on a fresh ledger,
 * then docs/RELIABILITY.md from it. Fails when a scenario failed or did not run.
 *
 *   npm run reliability               the suite with the short soak (what CI runs within `npm test`)
 *   npm run soak                      the same with the full soak (MMAGENT_SOAK_CYCLES=10000)
 *   ... -- --out FILE                 write the report elsewhere (default docs/RELIABILITY.md)
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ledgerDir } from './record.js';
import { declaredScenarios, problems, readLedger, render } from './report.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 && args[outAt + 1] ? args[outAt + 1]! : join(REPO, 'docs/RELIABILITY.md');

const declared = declaredScenarios();
const files = [...new Set(declared.values())].sort();
rmSync(ledgerDir(), { recursive: true, force: true });
console.log(`reliability suite: ${declared.size} scenarios in ${files.length} files`);
const run = spawnSync(process.execPath, [join(REPO, 'test/run-all.mjs'), ...files], {
  cwd: REPO,
  stdio: 'inherit',
});
const records = readLedger();
writeFileSync(out, render(records, declared));
const bad = problems(records, declared);
console.log(`reliability report: ${out}`);
if (bad.length > 0) console.error(`reliability suite incomplete:\n  ${bad.join('\n  ')}`);
process.exit(run.status !== 0 || bad.length > 0 ? 1 : 0);
