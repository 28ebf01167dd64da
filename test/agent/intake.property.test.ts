/**
 * Generated config files (test/config/arbitraries.ts: valid ones and mutations that each break one
 * rule) through the agent's whole intake, as `mmagent run` takes them: bytes -> the one read path ->
 * ConfigIntake -> WwanAgent, with a good config already in force. For every input the agent stays
 * alive; an invalid one makes no ModemManager call and no kernel change, gets an error naming the
 * field, shows it in ConfigError, and leaves the config in force working (a drop is still answered).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigIntake } from '../../src/agent/intake.js';
import { buildOutputs } from '../../src/agent/outputs.js';
import { parseConfigBytes } from '../../src/io/config-file.js';
import { formatErrors, validateWwanConfig, validateWwanStatus } from '../../src/schemas/validate.js';
import { anyInputArb, fcParams } from '../config/arbitraries.js';
import { FakeNetlink, link } from '../net/fake-netlink.js';
import { agentWorld, configAB, MODEM0 } from './harness.js';

const RUNS = 1500;
const FILE = '/run/nim/WwanConfig/global.json';
const WRITES = new Set(['setLink', 'addAddress', 'deleteAddress', 'addRoute', 'replaceRoute', 'deleteRoute']);

test(`${RUNS} generated config files through the agent's intake: alive, invalid ones change nothing`, async () => {
  let invalid = 0;
  await fc.assert(
    fc.asyncProperty(anyInputArb, async (input) => {
      const nl = new FakeNetlink();
      nl.links = [link(5, 'wwan0', { up: false }), link(6, 'wwan1', { up: false })];
      const w = agentWorld({ netlink: nl });
      try {
        const intake = new ConfigIntake(w.agent, w.logger);
        intake.accept(configAB(false));
        await w.settle();
        const mmBefore = w.mm.log.length;
        const nlBefore = nl.calls.filter((c) => WRITES.has(c.op)).length;

        const r = parseConfigBytes(FILE, input.bytes, validateWwanConfig);
        if (r.ok) intake.accept(r.value);
        else intake.reject(r);
        await w.settle();
        const status = buildOutputs(w.agent.view(), intake.outputFacts()).status;
        const v = validateWwanStatus(JSON.parse(JSON.stringify(status)));
        assert.ok(v.ok, v.ok ? '' : formatErrors(v.errors));
        if (input.valid) {
          assert.ok(r.ok, `${input.mutation}: refused: ${r.ok ? '' : r.message}`);
          return;
        }
        invalid++;
        assert.ok(!r.ok, `${input.mutation}: accepted`);
        const paths = r.errors.map((e) => e.path);
        assert.ok(
          paths.some((p) => (input.prefix ? p.startsWith(input.path) : p === input.path)),
          `${input.mutation}: no error at ${input.path || '(document)'}: ${JSON.stringify(r.errors)}`,
        );
        assert.equal(w.mm.log.length, mmBefore, `${input.mutation}: ModemManager was called`);
        assert.equal(
          nl.calls.filter((c) => WRITES.has(c.op)).length,
          nlBefore,
          `${input.mutation}: kernel changed`,
        );
        const a = status.Networks?.find((n) => n.LogicalLabel === 'modem-a');
        assert.ok(a?.ConfigError.includes(FILE), `${input.mutation}: ConfigError names the file`);
        // The config in force still works: a drop is answered.
        w.mm.setBearerConnected(false);
        await w.settle();
        assert.ok(
          w.mm.log.slice(mmBefore).some((c) => c.member === 'connect' && c.args[0] === MODEM0),
          `${input.mutation}: the drop was not answered`,
        );
      } finally {
        await w.close();
      }
    }),
    fcParams(RUNS),
  );
  assert.ok(invalid > RUNS / 3, `${invalid} of ${RUNS} inputs were invalid`);
});
