/**
 * Property tests of the config read path (bytes -> strict UTF-8 -> JSON -> nesting and Unicode
 * guard -> kind -> schema -> cross-entry rules): it never throws, valid configs are accepted as they
 * are, every invalid one is refused with an error naming its field (or the document, with the
 * reason), and `mmagent validate`, `mmagent plan` and the agent's watcher agree on every file.
 *
 * Fixed seed by default; FC_SEED=random explores, FC_SEED=<seed> FC_PATH=<path> replays a failure,
 * FC_RUNS_SCALE=10 runs ten times as many cases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseConfigBytes, type ReadResult } from '../../src/io/config-file.js';
import type { FieldError } from '../../src/schemas/validate.js';
import { validateGlobalConfig, validateWwanConfig } from '../../src/schemas/validate.js';
import { type AnyInput, anyBytesArb, fcParams, invalidInputArb, validInputArb } from './arbitraries.js';
import { agreementCorpusArb, readThroughAll } from './entry-points.js';

const FILE = '/run/nim/WwanConfig/global.json';

/** Every error names a field (a JSON pointer) or is about the document with a reason. */
function assertWellFormedErrors(
  r: ReadResult<unknown>,
): asserts r is Extract<ReadResult<unknown>, { ok: false }> {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.ok(r.message.includes(FILE), `the message names the file: ${r.message}`);
  assert.ok(r.errors.length > 0, 'at least one error');
  for (const e of r.errors as FieldError[]) {
    assert.ok(e.path === '' || e.path.startsWith('/'), `a JSON pointer: ${e.path}`);
    assert.ok(e.message.length > 0, 'a reason');
  }
}

const cases = { total: 0 };

test('the read path never throws, on any bytes, with either validator', () => {
  fc.assert(
    fc.property(anyBytesArb, (bytes) => {
      cases.total++;
      const wwan = parseConfigBytes(FILE, bytes, validateWwanConfig);
      if (!wwan.ok) assertWellFormedErrors(wwan);
      const global = parseConfigBytes(FILE, bytes, validateGlobalConfig);
      if (!global.ok) assertWellFormedErrors(global);
    }),
    fcParams(3000),
  );
});

test('the validators never throw on any value', () => {
  fc.assert(
    fc.property(fc.anything({ maxDepth: 5, withNullPrototype: true, withObjectString: true }), (v) => {
      cases.total++;
      for (const r of [validateWwanConfig(v), validateGlobalConfig(v)])
        if (!r.ok) for (const e of r.errors) assert.ok(e.path === '' || e.path.startsWith('/'));
    }),
    fcParams(1000),
  );
});

test('valid configs are accepted, as they are', () => {
  fc.assert(
    fc.property(validInputArb, (input) => {
      cases.total++;
      const r = parseConfigBytes(FILE, input.bytes, validateWwanConfig);
      assert.ok(r.ok, r.ok ? '' : r.message);
      assert.deepEqual(r.value, input.value);
    }),
    fcParams(2000),
  );
});

test('every invalid input is refused, with an error where the mutation is', () => {
  fc.assert(
    fc.property(invalidInputArb, (input) => {
      cases.total++;
      const r = parseConfigBytes(FILE, input.bytes, validateWwanConfig);
      assertWellFormedErrors(r);
      const paths = r.errors.map((e) => e.path);
      const hit = input.prefix ? paths.some((p) => p.startsWith(input.path)) : paths.includes(input.path);
      assert.ok(hit, `${input.mutation}: expected an error at ${input.path}, got ${r.message}`);
      if ('offset' in input) assert.match(r.message, new RegExp(`invalid UTF-8 .* at byte ${input.offset}:`));
    }),
    fcParams(5000),
  );
});

test('validate, plan and the agent accept and reject the same files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmagent-agree-'));
  try {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(agreementCorpusArb, async (input: AnyInput) => {
        cases.total++;
        const file = join(dir, `c${n++}.json`);
        writeFileSync(file, input.bytes);
        const seen = await readThroughAll(file);
        assert.equal(seen.plan.accepted, seen.agent.accepted, `${input.mutation}: plan vs agent`);
        assert.equal(
          seen.validate.kind === 'WwanConfig',
          seen.agent.accepted,
          `${input.mutation}: validate vs agent`,
        );
        assert.equal(
          seen.validate.kind === 'global config' || seen.isEmptyObject,
          seen.globalAgent.accepted,
          `${input.mutation}: validate vs the global-config watcher`,
        );
        if (!seen.agent.accepted) assert.equal(seen.plan.message, seen.agent.message, 'the same message');
        if (input.valid) assert.ok(seen.agent.accepted, `${input.mutation}: a valid config`);
        else assert.equal(seen.agent.accepted, false, `${input.mutation}: an invalid config`);
        rmSync(file);
      }),
      fcParams(500),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('at least 10,000 generated inputs per run', () => {
  // The figure for the closing note; a crash would have failed a property above.
  console.log(`config properties: ${cases.total} generated inputs, 0 crashes`);
  if (Number(process.env.FC_RUNS_SCALE ?? 1) >= 1) assert.ok(cases.total >= 10_000, String(cases.total));
});
