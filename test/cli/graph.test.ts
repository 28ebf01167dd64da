/**
 * `mmagent graph` from a snapshot: one file in the format its extension (or --format) names — JSON
 * valid against the export schema with the plan's steps, DOT, or a self-contained HTML page that
 * loads nothing from anywhere — and clear errors for what it cannot do.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { GraphCommand } from '../../src/cli/args.js';
import { runGraph } from '../../src/cli/graph.js';
import { validateAgainst } from '../../src/schemas/validate.js';
import { configOf, netA, netB } from './scenarios.js';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}.json`, import.meta.url));

async function graph(dir: string, args: Partial<GraphCommand> & { output: string }) {
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify(
      configOf([
        netA({
          AccessPoint: {
            APN: 'internet.v2',
            CleartextCredentials: { Username: 'u', Password: 'Graph-pw-77' },
          },
        }),
        netB(),
      ]),
    ),
  );
  let stderr = '';
  const io = {
    stdout: { write: () => true },
    stderr: {
      write: (s: string) => {
        stderr += s;
        return true;
      },
    },
  };
  const cmd: GraphCommand = {
    command: 'graph',
    config,
    snapshot: fixture('both-connected'),
    globalConfig: undefined,
    resolvDir: join(dir, 'resolv'),
    format: undefined,
    ...args,
  };
  const code = await runGraph(cmd, io as never);
  return { code, stderr };
}

test('json, dot and html by extension; the html is self-contained and holds no secret', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmagent-graph-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const json = join(dir, 'g.json');
  assert.equal((await graph(dir, { output: json })).code, 0);
  const g = JSON.parse(readFileSync(json, 'utf8'));
  const v = validateAgainst('graph-export.schema.json', g);
  assert.ok(v.ok, v.ok ? '' : JSON.stringify(v.errors));
  assert.ok(JSON.stringify(g).includes('mm.connection'), 'the plan is in the export');
  const dot = join(dir, 'g.dot');
  assert.equal((await graph(dir, { output: dot })).code, 0);
  assert.match(readFileSync(dot, 'utf8'), /^digraph/);
  const html = join(dir, 'g.html');
  const r = await graph(dir, { output: html });
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/i);
  assert.doesNotMatch(
    page,
    /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/i,
    'nothing loaded from elsewhere',
  );
  for (const f of [json, dot, html]) assert.ok(!readFileSync(f, 'utf8').includes('Graph-pw-77'), f);
});

test('--format wins over the extension; an unknown extension without it is an error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmagent-graph-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'graph.txt');
  const bad = await graph(dir, { output: out });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cannot tell the format of .*graph\.txt/);
  assert.equal((await graph(dir, { output: out, format: 'dot' })).code, 0);
  assert.match(readFileSync(out, 'utf8'), /^digraph/);
});
