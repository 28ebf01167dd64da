// A node:test reporter that counts skipped and todo tests and writes the count to the file named by
// MMAGENT_SKIP_REPORT, so test/run-all.mjs can fail a CI run in which any test was skipped: a skip in
// CI hides a missing install step as a pass.
import { writeFileSync } from 'node:fs';

export default async function* skipGuard(source) {
  const skipped = [];
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && (event.data.skip || event.data.todo)) {
      skipped.push(`${event.data.file ?? ''}: ${event.data.name}`);
    }
  }
  const out = process.env.MMAGENT_SKIP_REPORT;
  if (out) writeFileSync(out, JSON.stringify(skipped));
  yield '';
}
