/**
 * Every command in the docs is run or deliberately excluded (test/docs/fences.ts says how a fence
 * is marked). Runs each `run` fence of every checked page in a scratch directory with a timeout,
 * compares the transcripts of `console run` fences line for line, and lists every excluded command
 * with its reason, so that a command nobody runs is a decision written down, not an accident.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  docFiles,
  type ExternalExclusion,
  externalExclusion,
  type Fence,
  parseFences,
  problems,
  REPO,
  runScript,
  runTranscript,
  SHELL_LANGS,
  scratchDir,
  transcript,
} from './fences.js';

const TIMEOUT_MS = 60_000;

/**
 * Commands in pages this check may not edit (their owners can move the reason into the fence as
 * `not-run: …` and delete the entry). An entry that no longer matches a fence fails the test.
 */
const EXTERNAL: readonly ExternalExclusion[] = [
  {
    file: 'docs/demo.md',
    firstLine: /^npm run demo\b/,
    why: 'the demo (30-40 s, waits for Ctrl-C without --no-wait); e2e/demo/demo.test.ts runs it with --no-wait as root and as nobody',
  },
  {
    file: 'docs/PERFORMANCE.md',
    firstLine: /^apt-cache policy golang-go/,
    why: 'installs Debian packages as root (the Go toolchain for the eve-libs comparison, by hand only)',
  },
  {
    file: 'docs/PERFORMANCE.md',
    firstLine: /^git clone https:\/\/github\.com\/lf-edge\/eve-libs/,
    why: 'clones eve-libs from the network (the by-hand Go comparison)',
  },
  {
    file: 'docs/PERFORMANCE.md',
    firstLine: /^node bench\/go\/interleaved\.mjs/,
    why: 'the interleaved Go/TS benchmark: needs Go and an eve-libs clone, and takes tens of minutes',
  },
];

const { checked, notOptedIn } = docFiles();
const all: Fence[] = checked.flatMap((f) => parseFences(readFileSync(join(REPO, f), 'utf8'), f));
const short = (f: Fence) =>
  `${f.file}:${f.line} ${(f.body.split('\n').find((l) => l.trim()) ?? '').slice(0, 70)}`;

test('every fence of the docs names a language, and every shell fence is run or excluded', (t) => {
  t.diagnostic(`checked: ${checked.join(', ')}`);
  if (notOptedIn.length > 0) t.diagnostic(`not opted in (no marked fence): ${notOptedIn.join(', ')}`);
  assert.deepEqual(problems(all, EXTERNAL), []);
});

test('no fence is marked run-e2e while e2e/docs has no runner for it', () => {
  // The marker is reserved for commands that need root (the simulator on a private bus, a netns);
  // e2e/docs/commands.test.ts is to run them. Until it exists, such a fence would be run by nobody.
  if (existsSync(join(REPO, 'e2e/docs/commands.test.ts'))) return;
  assert.deepEqual(
    all.filter((f) => f.mode === 'run-e2e').map(short),
    [],
    'run-e2e fences need e2e/docs/commands.test.ts',
  );
});

test('every exclusion kept in this test still names a fence', () => {
  for (const x of EXTERNAL)
    assert.ok(
      all.some((f) => SHELL_LANGS.has(f.lang) && f.mode === 'none' && externalExclusion(f, [x])),
      `stale exclusion: ${x.file} ${x.firstLine} (mark the fence, then delete the entry)`,
    );
});

test('the commands not run here, and why', (t) => {
  const excluded = all.flatMap((f) => {
    if (f.mode === 'not-run') return [`${short(f)}  —  not run: ${f.arg}`];
    if (f.mode === 'run-e2e') return [`${short(f)}  —  run by e2e/docs/commands.test.ts (needs root)`];
    const x = SHELL_LANGS.has(f.lang) && f.mode === 'none' ? externalExclusion(f, EXTERNAL) : undefined;
    return x ? [`${short(f)}  —  not run: ${x.why} (excluded in test/docs/commands.test.ts)`] : [];
  });
  for (const line of excluded) t.diagnostic(line);
  const run = all.filter((f) => f.mode === 'run').length;
  t.diagnostic(`${run} fences run here, ${excluded.length} not`);
  assert.ok(run > 0, 'the docs have runnable commands');
});

for (const file of checked) {
  const fences = all.filter((f) => f.file === file);
  const runnable = fences.filter((f) => f.mode === 'run');
  if (runnable.length === 0) continue;
  test(`the runnable commands of ${file}`, async (t) => {
    const scratch = scratchDir(fences);
    try {
      for (const f of runnable) {
        await t.test(short(f), async () => {
          if (f.lang === 'console') {
            const steps = transcript(f.body);
            const { outputs, result } = await runTranscript(steps, scratch.dir, scratch.env, TIMEOUT_MS);
            assert.equal(result.timedOut, false, `timed out after ${TIMEOUT_MS} ms:\n${result.output}`);
            assert.equal(outputs.length, steps.length, `not every command ran:\n${result.output}`);
            steps.forEach((s, i) => {
              assert.equal(outputs[i], s.expected, `${f.file}:${f.line}: the output of $ ${s.command}`);
            });
          } else {
            const r = await runScript(f.body, scratch.dir, scratch.env, TIMEOUT_MS);
            assert.equal(r.timedOut, false, `timed out after ${TIMEOUT_MS} ms:\n${r.output}`);
            assert.equal(r.code, 0, `${f.file}:${f.line} exited ${r.code}:\n${r.output}`);
          }
        });
      }
    } finally {
      scratch.remove();
    }
  });
}
